"""Pattern packs: YAML labels, value shapes and issuer profiles, checked with file and line.

A pack is data. The matcher reads the typed `Packs` this module builds and knows nothing of any
single label or issuer.
"""

from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import regex
import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from extractor.document.result import DocumentKind, Kind
from extractor.errors import PatternError
from extractor.match.validators import VALIDATORS

log = logging.getLogger(__name__)
REGEX_TIMEOUT = 0.05  # seconds a user-supplied value regex may run on one candidate


def _quantifier(pattern: str, at: int) -> tuple[bool, int]:
    """Is there an unbounded quantifier (`*`, `+`, `{n,}`) at `at`? And where it ends."""
    if pattern[at:at + 1] in ("*", "+"):
        return True, at + 1
    bounds = regex.match(r"\{(\d*)(,?)(\d*)\}", pattern[at:])
    if bounds:
        return bool(bounds[2]) and not bounds[3], at + bounds.end()
    return False, at


def nested_quantifier(pattern: str) -> int | None:
    """Where a group holding an unbounded quantifier is itself repeated without bound, as in
    `(a+)+` or `(?:x*y?)*`: a shape that can backtrack catastrophically. None if there is none."""
    unbounded = [False]  # per open group: does it hold an unbounded quantifier?
    at = 0
    while at < len(pattern):
        char = pattern[at]
        if char == "(":
            unbounded.append(False)
            at += 1
            continue
        if char == "\\":
            at += 2
        elif char == "[":
            end = regex.match(r"\[\^?\]?(?:\\.|\[:\w+:\]|[^\]])*\]?", pattern[at:])
            at += end.end() if end else 1
        elif char == ")" and len(unbounded) > 1:
            start, inner = at, unbounded.pop()
            repeated, at = _quantifier(pattern, at + 1)
            if inner and repeated:
                return start
            unbounded[-1] |= inner or repeated
            continue
        else:
            at += 1
        repeated, at = _quantifier(pattern, at)
        unbounded[-1] |= repeated
    return None


def _compiles(value: str) -> str:
    try:
        regex.compile(value)
    except regex.error as exc:
        raise ValueError(f"invalid regex: {exc}") from exc
    nested = nested_quantifier(value)
    if nested is not None:
        raise ValueError(f"nested unbounded quantifiers (at character {nested + 1}) can "
                         "backtrack catastrophically; bound one, as in \\d{1,12}")
    return value


def _known_validator(value: str) -> str:
    if value not in VALIDATORS:
        raise ValueError(f"unknown validator {value!r}; known: {', '.join(VALIDATORS)}")
    return value


Regex = Annotated[str, AfterValidator(_compiles)]
ValidatorName = Annotated[str, AfterValidator(_known_validator)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabelSet(_Strict):
    """Synonyms of one label; `kind` says what the value after it is."""

    id: str
    kind: Kind | Literal["negative"]
    what: str = ""  # for negatives: what the value is instead (invoice_number, phone, ...)
    strength: float = Field(1.0, ge=0, le=1)
    avoid: list[str] = []  # context lists (e.g. "bank") that, printed near, mean someone else's
    phrases: list[str] = Field(min_length=1)
    ocr_language: str = ""  # Tesseract's name of the phrases' language; by default their pack's


class ValueShape(_Strict):
    """A regex a whole value must match; `score` in 0..1 says how typical the shape is."""

    id: str
    regex: Regex
    score: float = Field(1.0, ge=0, le=1)


class LookAlike(_Strict):
    """A value that matches `regex` (and `validator`) is probably something else."""

    id: str
    regex: Regex
    penalty: float = Field(ge=0, le=1)
    validator: ValidatorName | None = None
    form: Literal["printed", "normalized"] = "printed"  # match the value as printed or normalized


class IssuerNumber(_Strict):
    kind: Kind
    regex: Regex | None = None
    validator: ValidatorName | None = None


class IssuerProfile(_Strict):
    name: str
    domains: list[str] = []
    keywords: list[str] = []
    numbers: list[IssuerNumber] = []


class PackFile(_Strict):
    """One YAML file; every section is optional so packs can be split as users like."""

    language: str | None = None
    ocr_language: str | None = None  # Tesseract's name of it (deu): its labels' rows are read
    # closely in it alone (when it is configured), by default in every configured language
    labels: list[LabelSet] = []
    context: dict[str, list[str]] = {}
    months: dict[str, int] = {}
    document_kinds: dict[DocumentKind, list[str]] = {}
    value_shapes: list[ValueShape] = []
    look_alikes: list[LookAlike] = []
    issuers: list[IssuerProfile] = []


class Packs(BaseModel):
    """Every pack of a directory merged; `version` changes whenever any pack file changes."""

    model_config = ConfigDict(frozen=True)

    labels: list[LabelSet]
    context: dict[str, list[str]]
    months: dict[str, int]
    document_kinds: dict[DocumentKind, list[str]]
    value_shapes: list[ValueShape]
    look_alikes: list[LookAlike]
    issuers: list[IssuerProfile]
    version: str


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping as key `__line__`."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def _strip_lines(data: Any, loc: tuple = (), lines: dict | None = None) -> tuple[Any, dict]:
    """Remove `__line__` keys, returning the clean data and a map of location -> line."""
    lines = {} if lines is None else lines
    if isinstance(data, dict):
        lines[loc] = data.pop("__line__", lines.get(loc[:-1], 1))
        for key, value in data.items():
            _strip_lines(value, (*loc, key), lines)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            _strip_lines(item, (*loc, index), lines)
    return data, lines


def _line_of(loc: tuple, lines: dict) -> int:
    while loc not in lines and loc:
        loc = loc[:-1]
    return lines.get(loc, 1)


def load_file(path: Path) -> PackFile:
    """Parse and validate one pack file; raise PatternError naming file and line."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise PatternError(f"{path}:{line}: invalid YAML: {exc.problem}") from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PatternError(f"{path}:1: cannot read pack: {exc}") from exc
    if raw is None:
        return PackFile()
    if not isinstance(raw, dict):
        raise PatternError(f"{path}:1: a pack must be a mapping of sections")
    data, lines = _strip_lines(raw)
    try:
        return PackFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        line = _line_of(tuple(first["loc"]), lines)
        raise PatternError(f"{path}:{line}: {where}: {first['msg']}") from exc


def pack_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in {".yaml", ".yml"})


def check_directory(directory: Path) -> list[PatternError]:
    """Validate every pack in `directory`; return one error per bad file (empty when all good)."""
    errors: list[PatternError] = []
    files = pack_files(directory)
    if not files:
        errors.append(PatternError(f"{directory}: no pattern packs (*.yaml) found"))
    for path in files:
        try:
            load_file(path)
        except PatternError as exc:
            errors.append(exc)
    return errors


@lru_cache(maxsize=8)
def _load_cached(directory: Path, fingerprint: str) -> Packs:
    parts = [load_file(path) for path in pack_files(directory)]
    ids = [label.id for part in parts for label in part.labels]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise PatternError(f"{directory}: label ids used twice: {', '.join(duplicated)}")
    context_names = {name for part in parts for name in part.context}
    unknown = sorted({a for part in parts for label in part.labels for a in label.avoid}
                     - context_names)
    if unknown:
        raise PatternError(f"{directory}: labels avoid unknown context lists: {', '.join(unknown)}")
    context: dict[str, list[str]] = {}
    kinds: dict[DocumentKind, list[str]] = {}
    for part in parts:
        for name, words in part.context.items():
            context.setdefault(name, []).extend(words)
        for kind, words in part.document_kinds.items():
            kinds.setdefault(kind, []).extend(words)
    return Packs(
        labels=[label.model_copy(update={"ocr_language": label.ocr_language
                                         or part.ocr_language or ""})
                for part in parts for label in part.labels],
        context=context,
        months={name: number for part in parts for name, number in part.months.items()},
        document_kinds=kinds,
        value_shapes=[shape for part in parts for shape in part.value_shapes],
        look_alikes=[item for part in parts for item in part.look_alikes],
        issuers=[issuer for part in parts for issuer in part.issuers],
        version=fingerprint[:12],
    )


def load_packs(directory: Path) -> Packs:
    """Load and merge every pack under `directory` (cached until a file changes)."""
    files = pack_files(directory)
    if not files:
        raise PatternError(f"{directory}: no pattern packs (*.yaml) found")
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return _load_cached(directory.resolve(), digest.hexdigest())
