"""`custid recover`: the numbers of files and mailboxes read here, per issuer, as a table or
JSON lines, with evidence images on request (a message's date and subject with its name)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from extractor import evidence
from extractor.cli.imap import imap_source
from extractor.read.imap import is_imap
from extractor.recovery import IssuerNumbers, Number, Read, read_all, sightings, slug, summarize
from extractor.service.sandbox import SandboxedExtractor
from extractor.settings import Settings
from extractor.walk import documents


def _evidence(number: Number, ordinal: int, folder: Path, reads: dict[str, Read],
              settings: Settings) -> Path:
    """The PNG of a number, named by issuer, kind and place in the listing: never the number
    itself, as a folder's listing is seen by more than its files."""
    target = folder / f"{slug(number.issuer or 'unknown')}-{number.kind}-{ordinal}.png"
    read = reads[number.document]
    data = read.data if read.data is not None else Path(number.document).read_bytes()
    target.write_bytes(evidence.render(data, read.result.findings[number.index], settings))
    return target


def _document(number: Number, reads: dict[str, Read]) -> str:
    """The table's document cell: the file or message and page, and a message's date and
    subject."""
    cell = f"{number.document} ({number.page})"
    message = reads[number.document].message
    return f"{cell}\n{message.date} {message.subject}" if message else cell


def _table(group: IssuerNumbers, reads: dict[str, Read]) -> Table:
    table = Table(title=group.issuer or "(issuer not recognised)", title_justify="left")
    for column in ("number", "kind", "seen", "agreeing", "document (page)", "label", "conf."):
        table.add_column(column, no_wrap=column == "number")
    for number in group.numbers:
        seen = " to ".join(dict.fromkeys(filter(None, (number.first_seen, number.document_date))))
        current = " [green](current)[/green]" if number.current else ""
        table.add_row(number.value + current, number.kind.removesuffix("_number"), seen or "?",
                      str(number.documents_agreeing), _document(number, reads),
                      number.label, f"{number.confidence:.2f}")
    return table


def recover_command(paths: list[str], issuer: str | None, as_json: bool,
                    evidence_dir: Path | None, workers: int, settings: Settings,
                    folders: list[str] | None = None, since: dt.date | None = None) -> int:
    """Run `custid recover`; the exit status (1: no number found; 2: an IMAP account could not
    be read)."""
    console, err = Console(), Console(stderr=True)
    errors: list[str] = []
    sources = (item for path in paths
               for item in (imap_source(path, folders or [], since, settings, errors)
                            if is_imap(path) else documents(Path(path), settings.max_file_bytes)))
    read, problems = read_all(sources, workers, kind=SandboxedExtractor)  # the service's limits
    for error in errors:
        err.print(f"[red]error:[/red] {error}")
    for entry in problems:
        err.print(f"[yellow]{entry.status}:[/yellow] {entry.path}: {entry.problem}")
    for each in read:
        if each.result.error:
            err.print(f"[yellow]failed:[/yellow] {each.document}: {each.result.error.code}: "
                      f"{each.result.error.message}")
        for warning in each.result.warnings:
            err.print(f"[yellow]warning:[/yellow] {each.document}: {warning}")
    reads = {each.document: each for each in read}
    groups = summarize((s for each in read for s in sightings(each.document, each.result)),
                       issuer)
    shots: dict[int, Path] = {}
    if evidence_dir:
        evidence_dir.mkdir(parents=True, exist_ok=True)
        for ordinal, number in enumerate((n for group in groups for n in group.numbers), 1):
            shots[id(number)] = _evidence(number, ordinal, evidence_dir, reads, settings)
    for group in groups:
        if as_json:
            for number in group.numbers:
                record = number.record()
                message = reads[number.document].message
                if message:
                    record["message"] = {"date": message.date, "subject": message.subject,
                                         "message_id": message.message_id}
                if id(number) in shots:
                    record["evidence"] = str(shots[id(number)])
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            continue
        console.print(_table(group, reads))
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
    return 2 if errors else 0 if groups else 1
