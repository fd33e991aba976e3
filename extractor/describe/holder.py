"""The account holder: the name line under a bill-to heading ("Bill to", "Facturé à"), or under
the issuer's one-line return address of a windowed envelope ("ACME GmbH · Street 1 · City")."""

from __future__ import annotations

from extractor.describe.issuer import DOMAIN
from extractor.document.page import Page
from extractor.document.word import Word
from extractor.match.labels import LabelMatcher
from extractor.text import folded_phrase

LOOK_LINES = 3  # lines below a heading searched for the name
MAX_HEADING_WORDS = 4


class HolderFinder:
    def __init__(self, headings: list[str], labels: LabelMatcher) -> None:
        self._headings = {folded_phrase(h) for h in headings}
        self._first_words = {h.split()[0] for h in self._headings}
        self._labels = labels

    def _heading_rest(self, words: list[Word]) -> str | None:
        """If the segment is a heading, what follows it on the line ("" for nothing).

        A heading is the whole segment, or is followed by a colon ("Customer: Jane Doe");
        "Customer Service 0800…" is not one.
        """
        first = folded_phrase(words[0].text).split()
        if not first or first[0] not in self._first_words:
            return None
        for count in range(1, min(len(words), MAX_HEADING_WORDS) + 1):
            if folded_phrase(" ".join(w.text for w in words[:count])) in self._headings:
                rest = " ".join(w.text for w in words[count:])
                if not rest or words[count - 1].text.endswith(":"):
                    return rest
        return None

    def _name(self, text: str) -> str | None:
        text = text.removeprefix("ATTN:").removeprefix("Attn:").strip(" :,;·-")
        letters = sum(c.isalpha() for c in text)
        digits = sum(c.isdigit() for c in text)
        if letters < 3 or digits * 2 > letters or DOMAIN.search(text) or self._labels.find(text):
            return None
        return text[:80]

    def find(self, page: Page | None, issuer: str = "") -> str | None:
        if page is None:
            return None
        rows = page.rows
        for index, row in enumerate(rows):
            for segment in row:
                rest = self._heading_rest(segment)
                if rest is None:
                    continue
                if rest:
                    return self._name(rest)
                return self._below(segment, rows[index + 1:index + 1 + LOOK_LINES])
        for index, row in enumerate(rows):
            for segment in row:
                if _return_address(segment, issuer):
                    return self._below(segment, rows[index + 1:index + 1 + LOOK_LINES])
        return None

    def block(self, page: Page | None) -> frozenset[int]:
        """Ids of the words of the holder's name block: a heading, what follows it on its
        line, and the lines below it at the same x (name and address)."""
        if page is None:
            return frozenset()
        rows, out = page.rows, set[int]()
        for index, row in enumerate(rows):
            for segment in row:
                if self._heading_rest(segment) is None:
                    continue
                out.update(map(id, segment))
                x0, height = segment[0].x0, segment[0].height
                for below in rows[index + 1:index + 1 + LOOK_LINES + 1]:
                    out.update(id(w) for other in below if abs(other[0].x0 - x0) <= 2 * height
                               for w in other)
        return frozenset(out)

    def _below(self, heading: list[Word], rows: list[list[list[Word]]]) -> str | None:
        x0, height = heading[0].x0, heading[0].height
        for row in rows:
            for segment in row:
                if abs(segment[0].x0 - x0) <= 2 * height:
                    return self._name(" ".join(w.text for w in segment))
        return None


def _return_address(segment: list[Word], issuer: str) -> bool:
    """Is this the issuer's name, street and city on one line, as printed above a window?"""
    text = " ".join(w.text for w in segment)
    parts = [p for p in text.replace(" - ", "·").split("·") if p.strip()]
    return bool(issuer) and len(parts) >= 3 and folded_phrase(issuer) in folded_phrase(parts[0])
