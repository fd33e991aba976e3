"""`custid recover`: the numbers of files read here, per issuer, as a table or JSON lines, with
evidence images on request."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from extractor import evidence
from extractor.document.result import DocumentResult
from extractor.recovery import IssuerNumbers, Number, read_all, sightings, slug, summarize
from extractor.settings import Settings


def _evidence(number: Number, ordinal: int, folder: Path, results: dict[str, DocumentResult],
              settings: Settings) -> Path:
    """The PNG of a number, named by issuer, kind and place in the listing: never the number
    itself, as a folder's listing is seen by more than its files."""
    target = folder / f"{slug(number.issuer or 'unknown')}-{number.kind}-{ordinal}.png"
    finding = results[number.document].findings[number.index]
    target.write_bytes(evidence.render(Path(number.document).read_bytes(), finding, settings))
    return target


def _table(group: IssuerNumbers) -> Table:
    table = Table(title=group.issuer or "(issuer not recognised)", title_justify="left")
    for column in ("number", "kind", "seen", "agreeing", "document (page)", "label", "conf."):
        table.add_column(column, no_wrap=column == "number")
    for number in group.numbers:
        seen = " to ".join(dict.fromkeys(filter(None, (number.first_seen, number.document_date))))
        current = " [green](current)[/green]" if number.current else ""
        table.add_row(number.value + current, number.kind.removesuffix("_number"), seen or "?",
                      str(number.documents_agreeing), f"{number.document} ({number.page})",
                      number.label, f"{number.confidence:.2f}")
    return table


def recover_command(paths: list[Path], issuer: str | None, as_json: bool,
                    evidence_dir: Path | None, workers: int, settings: Settings) -> int:
    """Run `custid recover`; the exit status (1: no number found)."""
    console, err = Console(), Console(stderr=True)
    read, problems = read_all(paths, workers)
    for entry in problems:
        err.print(f"[yellow]{entry.status}:[/yellow] {entry.path}: {entry.problem}")
    for path, result in read:
        if result.error:
            err.print(f"[yellow]failed:[/yellow] {path}: {result.error.code}: "
                      f"{result.error.message}")
    results = {str(path): result for path, result in read}
    groups = summarize((s for document, result in results.items()
                        for s in sightings(document, result)), issuer)
    shots: dict[int, Path] = {}
    if evidence_dir:
        evidence_dir.mkdir(parents=True, exist_ok=True)
        for ordinal, number in enumerate((n for group in groups for n in group.numbers), 1):
            shots[id(number)] = _evidence(number, ordinal, evidence_dir, results, settings)
    for group in groups:
        if as_json:
            for number in group.numbers:
                record = number.record()
                if id(number) in shots:
                    record["evidence"] = str(shots[id(number)])
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            continue
        console.print(_table(group))
        for number in group.numbers:
            if id(number) in shots:
                console.print(f"  evidence of {number.value}: {shots[id(number)]}")
        for kind in dict.fromkeys(n.kind for n in group.numbers):
            history = group.history(kind)
            if len(history) > 1:
                steps = " ← ".join(f"{n.value} ({n.first_seen or '?'} to {n.document_date or '?'})"
                                   for n in history)
                console.print(f"  {kind.replace('_', ' ')} changed: {steps}")
    if not groups:
        err.print("no number found" + (f" for an issuer like {issuer!r}" if issuer else ""))
        return 1
    return 0
