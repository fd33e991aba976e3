"""The package's layout: imports run down the layers, never in a cycle, never inside functions."""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Lower layers first; a module may import its own layer and the layers below it.
LAYERS = [
    ("extractor.errors", "extractor.settings", "extractor.text"),
    ("extractor.document",),
    ("extractor.read", "extractor.walk"),
    ("extractor.match",),
    ("extractor.masking", "extractor.describe"),
    ("extractor.pipeline", "extractor.evidence", "extractor.recovery", "extractor.evaluate",
     "extractor"),
    ("extractor.service",),
    ("extractor.api",),
    ("workers",),
    ("extractor.cli",),
]


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for top in ("extractor", "workers") for p in (ROOT / top).rglob("*.py")}


def _layer(module: str) -> int:
    return max(rank for rank, prefixes in enumerate(LAYERS) for prefix in prefixes
               if module == prefix or module.startswith(prefix + "."))


def _imports(tree: ast.Module) -> list[tuple[str, ast.stmt]]:
    """The project modules a module imports, and the statements that import them."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node) for alias in node.names if alias.name in MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                dotted = f"{node.module}.{alias.name}"
                if dotted in MODULES:
                    found.append((dotted, node))
                elif node.module in MODULES:
                    found.append((node.module, node))
    return found


@lru_cache(maxsize=1)
def _graph() -> dict[str, set[str]]:
    return {name: {target for target, _ in _imports(ast.parse(path.read_text()))}
            for name, path in MODULES.items()}


def test_imports_run_down_the_layers() -> None:
    upward = [f"{name} -> {target}" for name, targets in _graph().items() for target in targets
              if _layer(target) > _layer(name)]
    assert upward == []


def test_no_import_cycles() -> None:
    graph, cycles = _graph(), []
    state: dict[str, int] = {}  # 1: being visited, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not n.startswith("extractor.cli")))
def test_no_project_import_inside_a_function(name: str) -> None:
    tree = ast.parse(MODULES[name].read_text())
    top = {id(node) for node in tree.body} | {
        id(inner) for node in tree.body if isinstance(node, ast.If) for inner in node.body}
    hidden = [node.lineno for _target, node in _imports(tree) if id(node) not in top]
    assert hidden == []


def test_few_modules_directly_in_the_package() -> None:
    assert len(list((ROOT / "extractor").glob("*.py"))) <= 12


def test_one_meaning_per_class_name() -> None:
    """No two modules define a class (or a type alias) of the same name: a reader meeting
    `Upload` or `Page` knows which one is meant."""
    defined: dict[str, list[str]] = {}
    for module, path in MODULES.items():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef):
                defined.setdefault(node.name, []).append(module)
            elif (isinstance(node, ast.Assign) and len(node.targets) == 1
                  and isinstance(node.targets[0], ast.Name) and node.targets[0].id[:1].isupper()
                  and not node.targets[0].id.isupper() and isinstance(node.value, ast.Subscript)):
                defined.setdefault(node.targets[0].id, []).append(module)  # `Sent = tuple[...]`
    assert {name: where for name, where in defined.items() if len(where) > 1} == {}
