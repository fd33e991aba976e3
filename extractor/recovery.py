"""Recover a lost customer number: per issuer, every number found on a set of documents, newest
first by document date, with how many documents agree and how it changed over time.

The same summary serves `custid recover` (files read here, across cores) and `GET /v1/lookup`
(a workspace's processed documents).
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from difflib import SequenceMatcher
from multiprocessing import get_context
from pathlib import Path

from extractor.document.result import DocumentResult, ErrorInfo, Finding
from extractor.errors import InputError
from extractor.pipeline import Extractor, default_extractor
from extractor.read.mailbox import MailMessage, MessageInfo, info
from extractor.text import fold, key, tokens
from extractor.walk import Entry

SIMILAR = 0.8  # a query word this similar to a word of the issuer's name matches it
MIN_FUZZY = 4  # shorter query words must match exactly (or as part of the name)
IN_FLIGHT = 16  # documents handed to each worker process ahead


def issuer_matches(query: str, name: str, domain: str | None = None) -> bool:
    """Tolerant: "cox" finds "Cox Communications", "telefonica" finds "Telefónica", and
    "comunications" finds it too (each query word close to a word of the name); legal forms and
    top-level domains are left out ("Duke Energy Corp", "duke-energy.com"), and the issuer's
    domain is searched too ("nwe.com" finds Northwind Energy where it printed www.nwe.com)."""
    distinctive = default_extractor().issuers.words
    wanted = distinctive(query) or tokens(query)
    return bool(wanted) and any(
        _close(wanted, distinctive(printed) or tokens(printed))
        for printed in (name, domain) if printed)


def _close(wanted: list[str], words: list[str]) -> bool:
    if "".join(wanted) in "".join(words):
        return True
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
    issuer_domain: str | None = None


def sightings(document: str, result: DocumentResult) -> Iterator[Sighting]:
    issuer = result.issuer.name if result.issuer else None
    domain = result.issuer.domain if result.issuer else None
    for index, finding in enumerate(result.findings):
        yield Sighting(document, result.sha256, index, issuer, result.document_date, finding,
                       domain)


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
        if issuer and not (sighting.issuer and
                           issuer_matches(issuer, sighting.issuer, sighting.issuer_domain)):
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


_extractors: dict[type[Extractor], Extractor] = {}


def _extractor(kind: type[Extractor]) -> Extractor:
    """This process's extractor of that kind (its packs compiled once)."""
    if kind not in _extractors:
        _extractors[kind] = default_extractor() if kind is Extractor else kind()
    return _extractors[kind]


@dataclass(frozen=True, slots=True)
class Read:
    """A document read: a file (`document` its path) or a mailbox's message (`document` its
    name, `message` its date and subject, `data` its bytes while it has findings, for the
    evidence)."""

    document: str
    result: DocumentResult
    message: MessageInfo | None = None
    data: bytes | None = None


def _read(item: Path | MailMessage, prefilter: bool,
          kind: type[Extractor]) -> DocumentResult | None:
    """One document read; None for a message the prefilter passes over (it holds no number)."""
    extractor = _extractor(kind)
    if isinstance(item, Path):
        return extractor.extract_path(item)
    if prefilter and not extractor.worth_reading(item.data):
        return None
    return extractor.extract_bytes(item.data, item.name)


def _failed(message: MailMessage, problem: InputError) -> DocumentResult:
    return DocumentResult(file=message.name, sha256="",
                          error=ErrorInfo(code=problem.code, message=problem.message))


def _results(items: Iterator[Path | MailMessage], workers: int, prefilter: bool,
             kind: type[Extractor]) -> Iterator[tuple[Path | MailMessage, DocumentResult | None]]:
    """Each item with its result, in order, read in `workers` processes with a bounded number
    in flight (a mailbox is streamed, not held)."""
    first = list(itertools.islice(items, 2))
    items = itertools.chain(first, items)
    if workers <= 1 or len(first) <= 1:  # starting processes costs more than one document
        yield from ((item, _read(item, prefilter, kind)) for item in items)
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                             initializer=_extractor, initargs=(kind,)) as pool:
        pending: deque[tuple[Path | MailMessage, Future[DocumentResult | None]]] = deque()
        for item in items:
            pending.append((item, pool.submit(_read, item, prefilter, kind)))
            if len(pending) >= IN_FLIGHT * workers:
                item, future = pending.popleft()
                yield item, future.result()
        while pending:
            item, future = pending.popleft()
            yield item, future.result()


def read_all(sources: Iterable[Entry | MailMessage], workers: int, prefilter: bool = True,
             kind: type[Extractor] = Extractor) -> tuple[list[Read], list[Entry]]:
    """Every document of `sources` (walked entries and mailbox messages, see
    `walk.documents`) read here, in `workers` processes, by an extractor of `kind` each, and
    the entries not read. A message the prefilter (`Extractor.worth_reading`) passes over gives
    no Read."""
    problems: list[Entry] = []
    failed: list[Read] = []

    def readable() -> Iterator[Path | MailMessage]:
        for source in sources:
            if isinstance(source, MailMessage):
                if source.problem is None:
                    yield source
                else:
                    failed.append(Read(source.name, _failed(source, source.problem)))
            elif source.problem is None:
                yield source.path
            else:
                problems.append(source)

    read: list[Read] = []
    for item, result in _results(readable(), workers, prefilter, kind):
        if result is None:
            continue
        if isinstance(item, Path):
            read.append(Read(str(item), result))
        else:
            found = bool(result.findings)
            read.append(Read(item.name, result, info(item.data) if found else None,
                             item.data if found else None))
    return read + failed, problems


def slug(text: str) -> str:
    return "-".join(tokens(text))[:60]
