"""The `custid` command line: thin wrappers over the library."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from extractor.errors import CustidError
from extractor.evaluate import evaluate
from extractor.models import DocumentResult
from extractor.packs import check_directory
from extractor.pipeline import Extractor
from extractor.settings import get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Find customer and account numbers on invoices, bills and statements.")
patterns_app = typer.Typer(no_args_is_help=True, help="Pattern packs.")
app.add_typer(patterns_app, name="patterns")
err = Console(stderr=True)


def _extractor() -> Extractor:
    try:
        return Extractor(get_settings())
    except CustidError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(exc.exit_status) from exc


def _table(results: list[DocumentResult]) -> Table:
    table = Table("file", "kind", "number", "label", "page", "confidence", "issuer", "date")
    for result in results:
        issuer = result.issuer.name if result.issuer else ""
        if result.error:
            table.add_row(result.file, "[red]error[/red]", result.error.code,
                          result.error.message, "", "", "", "")
        elif not result.findings:
            table.add_row(result.file, "", "[dim]none found[/dim]", "", "", "", issuer,
                          result.document_date or "")
        for finding in result.findings:
            table.add_row(result.file, finding.kind, finding.value, finding.label,
                          str(finding.page), f"{finding.confidence:.2f}", issuer,
                          result.document_date or "")
    return table


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(help="Documents to read")],
    json: Annotated[bool, typer.Option("--json", help="One JSON object a line per file")] = False,
) -> None:
    """Extract customer and account numbers from documents."""
    extractor = _extractor()
    results = []
    for path in files:
        result = extractor.extract_path(path)
        results.append(result)
        if json:
            sys.stdout.write(result.model_dump_json() + "\n")
            sys.stdout.flush()
    if not json:
        Console().print(_table(results))
    if any(r.error for r in results):
        raise typer.Exit(2)


@app.command("eval")
def eval_command(
    directory: Annotated[Path, typer.Argument(help="Folder with documents and labels.jsonl")],
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show misses and false positives")
    ] = False,
) -> None:
    """Measure precision and recall against DIR/labels.jsonl."""
    extractor = _extractor()
    try:
        report = evaluate(extractor, directory)
    except (OSError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if verbose:
        for line in report.details():
            typer.echo(line)
    typer.echo(report.summary())


@app.command()
def samples(
    out: Annotated[Path, typer.Argument(help="Folder to write documents and labels.jsonl into")],
    count: Annotated[int, typer.Option("--count", "-n", min=1)] = 100,
    seed: Annotated[int, typer.Option("--seed")] = 1,
) -> None:
    """Write a labeled corpus of generated documents."""
    from samples.generator import generate

    records = generate(out, count, seed)
    negatives = sum(1 for r in records if not r["expected"])
    typer.echo(f"wrote {len(records)} documents ({negatives} without a number) to {out}")


@patterns_app.command("check")
def patterns_check(
    directory: Annotated[
        Path | None, typer.Argument(help="Pack folder (default: configured)")
    ] = None,
) -> None:
    """Validate pattern packs; errors name the file and line."""
    folder = directory or get_settings().patterns_dir
    errors = check_directory(folder)
    for error in errors:
        err.print(f"[red]error:[/red] {error.message}")
    if errors:
        raise typer.Exit(3)
    typer.echo(f"ok: {folder}")
