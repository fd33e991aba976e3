"""`custid eval`: precision and recall of extraction against a folder's labels.jsonl, and how
often the issuer and the document date are right where the labels give them."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import regex

from extractor.describe.issuer import IssuerFinder
from extractor.document.result import DocumentResult
from extractor.match.values import normalize
from extractor.pipeline import Extractor

MASK = regex.compile(r"^[*xX•…. ]+")  # "*****1234" may be found whole or as its digits
ASIDE = regex.compile(r"\(([^()]*)\)")  # "Contoso (CONTOSO PVT. LIMITED)": another printed form


@dataclass
class Share:
    right: int = 0
    docs: int = 0

    def add(self, right: bool) -> None:
        self.right += right
        self.docs += 1

    def part(self, name: str) -> str:
        return f" {name}={self.right / self.docs:.3f}" if self.docs else ""


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    docs: int = 0
    issuer: Share = field(default_factory=Share)
    date: Share = field(default_factory=Share)

    def line(self) -> str:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return (f"precision={precision:.3f} recall={recall:.3f} f1={f1:.3f}"
                f"{self.issuer.part('issuer')}{self.date.part('date')} docs={self.docs}")


def issuer_right(issuers: IssuerFinder, found: str | None, label: str) -> bool:
    """Does the found name agree with the label? Text in parentheses is another form of the
    name, taken only when equal; a label that is all aside ("(not printed)") wants none."""
    main = ASIDE.sub(" ", label).strip()
    if not main:
        return found is None
    if found is None:
        return False
    words = set(issuers.words(found))
    return issuers.same(found, main) or any(words == set(issuers.words(aside))
                                            for aside in ASIDE.findall(label))


@dataclass
class Report:
    issuers: IssuerFinder | None = None  # issuers are scored only with it
    overall: Tally = field(default_factory=Tally)
    by_source: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    negatives: int = 0
    clean_negatives: int = 0
    problems: list[str] = field(default_factory=list)
    scored: list[tuple[float, bool]] = field(default_factory=list)  # (confidence, right)

    def add(self, result: DocumentResult, record: dict) -> None:
        """Score one document against its labels: `expected` numbers, `optional` ones (neither
        rewarded nor penalised), and `issuer` and `document_date` where given."""
        want = {normalize(e["value"]) for e in record["expected"]}
        optional = {normalize(form) for e in record.get("optional", [])
                    for form in (e["value"], MASK.sub("", e["value"]))} - want
        got = {f.normalized: f for f in result.findings if f.normalized not in optional}
        source = result.text_source or "error"
        tallies = (self.overall, self.by_source[source])
        for tally in tallies:
            tally.docs += 1
            tally.tp += len(want & got.keys())
            tally.fp += len(got.keys() - want)
            tally.fn += len(want - got.keys())
        if not want:
            self.negatives += 1
            self.clean_negatives += not got
        self.scored += [(f.confidence, f.normalized in want) for f in got.values()]
        for value in sorted(want - got.keys()):
            error = f" ({result.error.code}: {result.error.message})" if result.error else ""
            self.problems.append(f"miss  {result.file}: {value}{error}")
        for value in sorted(got.keys() - want):
            finding = got[value]
            self.problems.append(f"false {result.file}: {finding.value} after "
                                 f"{finding.label!r} ({finding.confidence:.2f})")
        self._side(result, record, tallies)

    def _side(self, result: DocumentResult, record: dict, tallies: tuple[Tally, ...]) -> None:
        """The issuer and the date, each where the record has a label for it."""
        if self.issuers is not None and "issuer" in record:
            found = result.issuer.name if result.issuer else None
            right = issuer_right(self.issuers, found, record["issuer"])
            for tally in tallies:
                tally.issuer.add(right)
            if not right:
                self.problems.append(f"issuer {result.file}: {found!r}, "
                                     f"labelled {record['issuer']!r}")
        if "document_date" in record:
            right = result.document_date == record["document_date"]
            for tally in tallies:
                tally.date.add(right)
            if not right:
                self.problems.append(f"date  {result.file}: {result.document_date}, "
                                     f"labelled {record['document_date']}")

    def details(self) -> list[str]:
        lines = list(self.problems)
        if self.negatives:
            lines.append(f"negatives without any finding: {self.clean_negatives}/{self.negatives}")
        for low in (0.5, 0.6, 0.7, 0.8, 0.9):
            high = low + 0.1 if low < 0.9 else 1.01  # the last bucket includes 1.0
            bucket = [right for conf, right in self.scored if low <= conf < high]
            if bucket:
                lines.append(f"confidence {low:.1f}-{low + 0.1:.1f}: "
                             f"{sum(bucket) / len(bucket):.3f} right of {len(bucket)}")
        return lines

    def summary(self) -> str:
        """Per text source, then exactly one overall line last."""
        lines = [f"{source}: {tally.line()}" for source, tally in sorted(self.by_source.items())]
        return "\n".join([*lines, self.overall.line()])


def read_labels(directory: Path) -> list[dict]:
    path = directory / "labels.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def evaluate(extractor: Extractor, directory: Path) -> Report:
    report = Report(issuers=extractor.issuers)
    for record in read_labels(directory):
        result = extractor.extract_path(directory / record["file"])
        report.add(result, record)
    return report
