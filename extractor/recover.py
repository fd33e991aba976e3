"""Recover a lost customer number: per issuer, every number found on a set of documents, newest
first by document date, with how many documents agree and how it changed over time.

The same summary serves `custid recover` (files read here, across cores) and `GET /v1/lookup`
(a workspace's processed documents).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from difflib import SequenceMatcher
from multiprocessing import get_context
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from extractor import evidence
from extractor.labels import TOKEN, fold
from extractor.link import key
from extractor.models import DocumentResult, Finding
from extractor.pipeline import default_extractor, extract
from extractor.settings import Settings
from extractor.tables import Document
from extractor.walk import Entry, entries

SIMILAR = 0.8  # a query word this similar to a word of the issuer's name matches it
MIN_FUZZY = 4  # shorter query words must match exactly (or as part of the name)


def _words(text: str) -> list[str]:
    return [fold(token) for token in TOKEN.findall(text)]


def issuer_matches(query: str, name: str) -> bool:
    """Tolerant: "cox" finds "Cox Communications", "telefonica" finds "Telefónica", and
    "comunications" finds it too (each query word close to a word of the name)."""
    wanted, words = _words(query), _words(name)
    if not wanted or "".join(wanted) in "".join(words):
        return bool(wanted)
    return all(any(w == n or (len(w) >= MIN_FUZZY and
                              SequenceMatcher(None, w, n).ratio() >= SIMILAR) for n in words)
               for w in wanted)


@dataclass(frozen=True, slots=True)
class Sighting:
    """A finding on a document: `document` is a path, or a stored document's id."""

    document: str
    sha256: str
    index: int  # the finding's place in the document's findings
    issuer: str | None
    date: str | None
    finding: Finding


def sightings(document: str, result: DocumentResult) -> Iterator[Sighting]:
    issuer = result.issuer.name if result.issuer else None
    for index, finding in enumerate(result.findings):
        yield Sighting(document, result.sha256, index, issuer, result.document_date, finding)


@dataclass(slots=True)
class Number:
    """One number of one issuer, as its newest document shows it."""

    issuer: str | None
    kind: str
    value: str
    normalized: str
    document: str
    index: int
    page: int
    label: str
    document_date: str | None
    first_seen: str | None
    confidence: float
    documents_agreeing: int
    current: bool = False

    def record(self) -> dict[str, object]:
        """The `custid recover --json` object."""
        return {"issuer": self.issuer, "kind": self.kind, "value": self.value,
                "normalized": self.normalized, "document": self.document, "page": self.page,
                "document_date": self.document_date, "confidence": self.confidence,
                "documents_agreeing": self.documents_agreeing, "current": self.current}


@dataclass(slots=True)
class IssuerNumbers:
    issuer: str | None
    numbers: list[Number]  # newest first; per kind the first is current

    def history(self, kind: str) -> list[Number]:
        """The numbers of a kind, newest first: more than one when it changed."""
        return [n for n in self.numbers if n.kind == kind]


def _newest(sighting: Sighting) -> tuple[str, float]:
    return sighting.date or "", sighting.finding.confidence


def summarize(found: Iterable[Sighting], issuer: str | None = None) -> list[IssuerNumbers]:
    """Numbers per issuer (tolerantly matching `issuer`, if given), issuers by name."""
    groups: dict[tuple[str, str, str], list[Sighting]] = {}
    for sighting in found:
        if issuer and not (sighting.issuer and issuer_matches(issuer, sighting.issuer)):
            continue
        group = (key(sighting.issuer or ""), sighting.finding.kind, sighting.finding.normalized)
        groups.setdefault(group, []).append(sighting)
    by_issuer: dict[str, list[Number]] = {}
    for (issuer_key, _kind, _normalized), seen in groups.items():
        best = max(seen, key=_newest)
        names = [s.issuer for s in seen if s.issuer]
        finding = best.finding
        by_issuer.setdefault(issuer_key, []).append(Number(
            issuer=max(set(names), key=names.count) if names else None, kind=finding.kind,
            value=finding.value, normalized=finding.normalized, document=best.document,
            index=best.index, page=finding.page, label=finding.label,
            document_date=best.date, first_seen=min((s.date for s in seen if s.date), default=None),
            confidence=finding.confidence, documents_agreeing=len({s.sha256 for s in seen})))
    out = []
    for numbers in by_issuer.values():
        numbers.sort(key=lambda n: (n.document_date or "", n.documents_agreeing, n.confidence),
                     reverse=True)
        for kind in {n.kind for n in numbers}:
            next(n for n in numbers if n.kind == kind).current = True
        out.append(IssuerNumbers(numbers[0].issuer, numbers))
    return sorted(out, key=lambda g: (g.issuer is None, fold(g.issuer or "")))


def _warm() -> None:
    default_extractor()


def read_all(paths: list[Path], workers: int) -> tuple[list[tuple[Path, DocumentResult]],
                                                       list[Entry]]:
    """Every document under `paths` read here (in `workers` processes), and what was not read."""
    found = [entry for top in paths for entry in entries(top)]
    files = [entry.path for entry in found if entry.problem is None]
    problems = [entry for entry in found if entry.problem is not None]
    if workers <= 1 or len(files) <= 1:
        return [(path, extract(path)) for path in files], problems
    with ProcessPoolExecutor(min(workers, len(files)), mp_context=get_context("spawn"),
                             initializer=_warm) as pool:
        return list(zip(files, pool.map(extract, files, chunksize=4), strict=True)), problems


def _evidence(number: Number, folder: Path, results: dict[str, DocumentResult],
              settings: Settings) -> Path:
    name = "-".join(filter(None, (slug(number.issuer or "unknown"), number.kind,
                                  number.normalized)))
    target = folder / f"{name}.png"
    finding = results[number.document].findings[number.index]
    target.write_bytes(evidence.render(Path(number.document).read_bytes(), finding, settings))
    return target


def slug(text: str) -> str:
    return "-".join(_words(text))[:60]


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
        for number in (n for group in groups for n in group.numbers):
            shots[id(number)] = _evidence(number, evidence_dir, results, settings)
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


def stored(session: Session, workspace_id: str,
           issuer: str | None) -> tuple[list[IssuerNumbers], dict[str, str]]:
    """The numbers of a workspace's processed documents (links a person rejected left out),
    and the file name of each document id."""
    query = select(Document).where(Document.workspace_id == workspace_id,
                                   Document.status == "done")
    if issuer:
        firsts = session.execute(
            select(Document.issuer_key, func.min(Document.id))
            .where(Document.workspace_id == workspace_id, Document.status == "done",
                   Document.issuer_key.is_not(None)).group_by(Document.issuer_key)).all()
        names = {k: (session.get(Document, i).result or {}).get("issuer") or {}
                 for k, i in firsts}
        keys = [k for k, name in names.items() if issuer_matches(issuer, name.get("name", ""))]
        query = query.where(Document.issuer_key.in_(keys))
    found: list[Sighting] = []
    filenames: dict[str, str] = {}
    for document in session.scalars(query.options(selectinload(Document.links))):
        rejected = {link.normalized for link in document.links if link.status == "rejected"}
        filenames[document.id] = document.filename
        found += [s for s in sightings(document.id, DocumentResult.model_validate(document.result))
                  if s.finding.normalized not in rejected]
    return summarize(found, issuer), filenames
