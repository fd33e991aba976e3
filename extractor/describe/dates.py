"""The document's own date (invoice, bill or statement date), never a due date or a period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import regex

from extractor.match.packs import Packs
from extractor.text import fold

NUMERIC = regex.compile(r"(?<!\d)(\d{1,2})\s?[./\-]\s?(\d{1,2})\s?[./\-]\s?(\d{4}|\d{2})(?!\d)")
ISO = regex.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
LOOKBACK = 48  # characters before a date searched for its label


@dataclass(slots=True)
class DateHit:
    start: int
    day: int
    month: int
    year: int
    numeric: bool = False  # dd/mm/yyyy or mm/dd/yyyy: the document's convention decides


def _year(text: str) -> int:
    year = int(text)
    return year + (2000 if year < 70 else 1900) if year < 100 else year


def _words_regex(words: list[str]) -> regex.Pattern:
    body = "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))
    return regex.compile(rf"(?<!\p{{L}})(?:{body})(?!\p{{L}})", regex.IGNORECASE)


class DateFinder:
    def __init__(self, packs: Packs) -> None:
        months = list(packs.months)  # a named list: matched as a set, fast on long texts
        self._months = {fold(name): number for name, number in packs.months.items()}
        self._day_month = regex.compile(
            r"(?<!\d)(\d{1,2})(?:\.|er|st|nd|rd|th)?\s*(?:de\s+)?(\L<months>)(?!\p{L})\.?\s*"
            r"(?:de\s+)?,?\s*(\d{4})(?!\d)", regex.IGNORECASE, months=months)
        self._month_day = regex.compile(
            r"(?<!\p{L})(\L<months>)(?!\p{L})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(\d{4})(?!\d)",
            regex.IGNORECASE, months=months)
        self._own = _words_regex(packs.context.get("document_date", []))
        self._other = _words_regex(packs.context.get("other_date", []))

    def _hits(self, text: str) -> list[DateHit]:
        hits = [DateHit(m.start(), int(m[3]), int(m[2]), int(m[1])) for m in ISO.finditer(text)]
        hits += [DateHit(m.start(), int(m[1]), int(m[2]), _year(m[3]), numeric=True)
                 for m in NUMERIC.finditer(text)]
        for m in self._day_month.finditer(text):
            hits.append(DateHit(m.start(), int(m[1]), self._months.get(fold(m[2]), 0), int(m[3])))
        for m in self._month_day.finditer(text):
            hits.append(DateHit(m.start(), int(m[2]), self._months.get(fold(m[1]), 0), int(m[3])))
        return sorted(hits, key=lambda h: h.start)

    def _label_rank(self, text: str, hit: DateHit) -> int:
        """0: after a document-date label, 1: unlabelled, 2: after another date's label."""
        before = text[max(0, hit.start - LOOKBACK):hit.start]
        own = [m.end() for m in self._own.finditer(before)]
        other = [m.end() for m in self._other.finditer(before)]
        if own and (not other or max(own) > max(other)):
            return 0
        return 2 if other else 1

    def find(self, texts: list[str]) -> str | None:
        """ISO date of the document, from its first pages' plain text."""
        for text in texts[:2]:
            hits = self._hits(text)
            month_first = any(h.numeric and h.day <= 12 < h.month for h in hits)
            best: tuple[int, int, str] | None = None
            for hit in hits:
                swap = hit.numeric and month_first
                day, month = (hit.month, hit.day) if swap else (hit.day, hit.month)
                try:
                    iso = dt.date(hit.year, month, day).isoformat()
                except ValueError:
                    continue
                rank = (self._label_rank(text, hit), hit.start, iso)
                if best is None or rank < best:
                    best = rank
            if best is not None and best[0] < 2:
                return best[2]
        return None
