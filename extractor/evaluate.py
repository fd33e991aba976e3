"""`custid eval`: precision and recall of extraction against a folder's labels.jsonl."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from extractor.document.result import DocumentResult
from extractor.match.values import normalize
from extractor.pipeline import Extractor


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    docs: int = 0

    def line(self) -> str:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return f"precision={precision:.3f} recall={recall:.3f} f1={f1:.3f} docs={self.docs}"


@dataclass
class Report:
    overall: Tally = field(default_factory=Tally)
    by_source: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    negatives: int = 0
    clean_negatives: int = 0
    problems: list[str] = field(default_factory=list)
    scored: list[tuple[float, bool]] = field(default_factory=list)  # (confidence, right)

    def add(self, result: DocumentResult, expected: list[dict]) -> None:
        want = {normalize(e["value"]) for e in expected}
        got = {f.normalized: f for f in result.findings}
        source = result.text_source or "error"
        for tally in (self.overall, self.by_source[source]):
            tally.docs += 1
            tally.tp += len(want & got.keys())
            tally.fp += len(got.keys() - want)
            tally.fn += len(want - got.keys())
        if not want:
            self.negatives += 1
            self.clean_negatives += not got
        self.scored += [(f.confidence, f.normalized in want) for f in result.findings]
        for value in sorted(want - got.keys()):
            error = f" ({result.error.code}: {result.error.message})" if result.error else ""
            self.problems.append(f"miss  {result.file}: {value}{error}")
        for value in sorted(got.keys() - want):
            finding = got[value]
            self.problems.append(f"false {result.file}: {finding.value} after "
                                 f"{finding.label!r} ({finding.confidence:.2f})")

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
    report = Report()
    for record in read_labels(directory):
        result = extractor.extract_path(directory / record["file"])
        report.add(result, record["expected"])
    return report
