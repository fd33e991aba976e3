"""What a document is (invoice, bill, statement, receipt, welcome email), from pack keywords."""

from __future__ import annotations

from extractor.document.page import Page
from extractor.document.result import DocumentKind
from extractor.text import folded_phrase

TITLE_SHARE = 0.4  # a title line is mostly its kind word(s): "INVOICE", "Rechnung RE1001"
TITLE_LINES = 8  # the largest-font lines looked at for a title


class KindFinder:
    def __init__(self, document_kinds: dict[DocumentKind, list[str]]) -> None:
        self._phrases = [(kind, folded_phrase(p)) for kind, words in document_kinds.items()
                         for p in words]

    def _title_kind(self, text: str) -> DocumentKind | None:
        folded = folded_phrase(text)
        for kind, phrase in self._phrases:
            if phrase in folded and len(phrase) >= TITLE_SHARE * len(folded):
                return kind
        return None

    def _most_named_kind(self, text: str) -> DocumentKind | None:
        """The kind whose words occur most often (first listed wins a tie)."""
        folded = folded_phrase(text)
        counts: dict[DocumentKind, int] = {}
        for kind, phrase in self._phrases:
            counts[kind] = counts.get(kind, 0) + folded.count(phrase)
        best = max(counts, key=lambda kind: counts[kind], default=None)
        return best if best is not None and counts[best] else None

    def find(self, first: Page | None, texts: list[str], heading: str = "") -> DocumentKind:
        """Title lines first (largest font, then topmost), then the subject, then any text."""
        lines = list(first.lines) if first is not None else []
        lines.sort(key=lambda line: (-max(w.size for w in line), line[0].top))
        for line in lines[:TITLE_LINES]:
            kind = self._title_kind(" ".join(w.text for w in line))
            if kind:
                return kind
        for text in (heading, *texts[:1]):
            kind = self._most_named_kind(text)
            if kind:
                return kind
        return "other"
