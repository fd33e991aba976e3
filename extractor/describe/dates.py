"""The document's own date (invoice, bill or statement date), never a due date or a period start.

In order: a date after an issue-date label; the end of a period ("1 May 2021 to 31 May 2021")
where no date is labelled so; an unlabelled date. Numeric dates are read month first when one
on the page can only be read so, or, with none either way, when the page shows a month-first
cue (a dollar amount in dollars and cents: "$1,234.56", or a US address: "Austin, TX 78701").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import regex

from extractor.match.packs import Packs
from extractor.text import fold, plain

NUMERIC = regex.compile(r"(?<!\d)(\d{1,2})\s?[./\-]\s?(\d{1,2})\s?[./\-]\s?(\d{4}|\d{2})(?!\d)")
ISO = regex.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
LOOKBACK = 48  # characters before a date searched for its label
SPACING = regex.compile(r"[ \t]{2,}|\s*[.·_…]{3,}\s*")  # columns and leaders: one space
JOIN_MAX = 12  # characters between a period's dates ("to", "bis", a dash)
# Confidence of a date by how it was found: labelled, a period's end, unlabelled
LABELLED, PERIOD_END, UNLABELLED = 0, 1, 2
CONFIDENCE = {LABELLED: 0.9, PERIOD_END: 0.7, UNLABELLED: 0.5}


@dataclass(slots=True)
class DateHit:
    start: int
    end: int
    day: int
    month: int
    year: int
    numeric: bool = False  # dd/mm/yyyy or mm/dd/yyyy: the document's convention decides


def _year(text: str) -> int:
    year = int(text)
    return year + (2000 if year < 70 else 1900) if year < 100 else year


def _words_regex(words: list[str]) -> regex.Pattern:
    body = "|".join(regex.escape(plain(w)) for w in sorted(words, key=len, reverse=True))
    return regex.compile(rf"(?<!\p{{L}})(?:{body})(?!\p{{L}})", regex.IGNORECASE)


class DateFinder:
    def __init__(self, packs: Packs) -> None:
        months = list(packs.months)  # a named list: matched as a set, fast on long texts
        self._months = {fold(name): number for name, number in packs.months.items()}
        self._day_month = regex.compile(
            r"(?<!\d)(\d{1,2})(?:\.|er|st|nd|rd|th)?[\s\-/]*(?:de\s+)?(\L<months>)(?!\p{L})\.?"
            r"(?:[\s\-/]*(?:de\s+)?,?\s*(\d{4})|[\-/]?(\d{2}))(?!\d)",  # "18-Jun-2024", "28Mar21"
            regex.IGNORECASE, months=months)
        self._month_day = regex.compile(
            r"(?<!\p{L})(\L<months>)(?!\p{L})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(\d{4})(?!\d)",
            regex.IGNORECASE, months=months)
        self._own = _words_regex(packs.context.get("document_date", []))
        self._other = _words_regex(packs.context.get("other_date", []))
        cues = "|".join(map(regex.escape, packs.context.get("month_first_cues", [])))
        amount = r"\s?\d[\d,]*\.\d\d(?!\d)"  # in dollars and cents
        states = "|".join(map(regex.escape, packs.context.get("month_first_states", [])))
        shapes = ([rf"(?:{cues}){amount}"] if cues else []) + (
            [rf",\s*(?:{states})\s+\d{{5}}(?:-\d{{4}})?(?!\d)"] if states else [])
        self._month_first = regex.compile("|".join(shapes) or r"(?!)")
        joiners = sorted(packs.context.get("period_joiners", []), key=len, reverse=True)
        words = "|".join(map(regex.escape, joiners))
        self._joiner = regex.compile(rf"[ \t]*(?:[-\u2013\u2014]|(?:{words})(?!\p{{L}}))[ \t]*",
                                     regex.IGNORECASE)

    def _hits(self, text: str) -> list[DateHit]:
        hits = [DateHit(m.start(), m.end(), int(m[3]), int(m[2]), int(m[1]))
                for m in ISO.finditer(text)]
        hits += [DateHit(m.start(), m.end(), int(m[1]), int(m[2]), _year(m[3]), numeric=True)
                 for m in NUMERIC.finditer(text)]
        for m in self._day_month.finditer(text):
            hits.append(DateHit(m.start(), m.end(), int(m[1]), self._months.get(fold(m[2]), 0),
                                _year(m[3] or m[4])))
        for m in self._month_day.finditer(text):
            hits.append(DateHit(m.start(), m.end(), int(m[2]), self._months.get(fold(m[1]), 0),
                                int(m[3])))
        return sorted(hits, key=lambda h: h.start)

    def _joined(self, text: str, first: DateHit, then: DateHit) -> bool:
        """Are the two dates a period's start and end ("1 May 2021 to 31 May 2021")?"""
        return (first.end <= then.start <= first.end + JOIN_MAX
                and self._joiner.fullmatch(text, first.end, then.start) is not None)

    def _label_rank(self, text: str, hit: DateHit, after: int) -> int | None:
        """LABELLED or UNLABELLED; None after another date's label. The label is looked for
        back to `after`, the end of the date before (whose label is its own)."""
        before = plain(text[max(after, hit.start - LOOKBACK):hit.start])
        own = [m.end() for m in self._own.finditer(before, overlapped=True)]
        other = [m.end() for m in self._other.finditer(before, overlapped=True)]
        if own and (not other or max(own) > max(other)):
            return LABELLED
        return None if other else UNLABELLED

    def find(self, texts: list[str]) -> tuple[str, float] | None:
        """ISO date of the document, from its first pages' plain text, and how sure it is."""
        for raw in texts[:2]:
            text = SPACING.sub(" ", raw)
            hits = self._hits(text)
            month_first = any(h.numeric and h.day <= 12 < h.month for h in hits) or (
                not any(h.numeric and h.month <= 12 < h.day for h in hits)
                and self._month_first.search(raw) is not None)
            dated: list[tuple[DateHit, str]] = []
            for hit in hits:
                swap = hit.numeric and month_first
                day, month = (hit.month, hit.day) if swap else (hit.day, hit.month)
                try:
                    dated.append((hit, dt.date(hit.year, month, day).isoformat()))
                except ValueError:
                    continue
            ranked: list[tuple[int | None, int, str]] = []
            for index, (hit, iso) in enumerate(dated):
                if index and self._joined(text, dated[index - 1][0], hit):
                    rank: int | None = PERIOD_END
                elif index + 1 < len(dated) and self._joined(text, hit, dated[index + 1][0]):
                    rank = None  # a period's start ("du 01/03 au 31/03": not after "du")
                else:
                    rank = self._label_rank(text, hit, dated[index - 1][0].end if index else 0)
                ranked.append((rank, hit.start, iso))
            best = min(((rank, start, iso) for rank, start, iso in ranked if rank is not None),
                       default=None)
            if best is not None:
                return best[2], CONFIDENCE[best[0]]
        return None
