"""Label spots: where on a page each label was printed, as words, found segment by segment."""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from extractor.document.page import Page
from extractor.document.word import Word
from extractor.match.labels import LabelHit, LabelMatcher
from extractor.match.packs import LabelSet

STACK_GAP = 0.8  # a label may continue on the next line if it starts within this many heights
WEAK = 0.8  # labels below this strength ("Kunde", "client") may only qualify another label


@dataclass(slots=True)
class Segment:
    words: list[Word]
    line: int

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1


@dataclass(slots=True)
class Spot:
    """A label found on the page: its words, what follows it inside its last word, its place."""

    label: LabelSet
    words: list[Word]
    printed: str
    tail: str  # text glued after the label inside its last word ("Cust#58213" -> "58213")
    segment: Segment
    after: int  # index in segment.words of the first word after the label
    fuzzy: bool = False
    lines: set[int] = field(default_factory=set)

    @property
    def box(self) -> tuple[float, float, float, float]:
        last = self.words[-1].line
        row = [w for w in self.words if w.line == last]
        return (min(w.x0 for w in row), min(w.top for w in row),
                max(w.x1 for w in row), max(w.bottom for w in row))

    @property
    def height(self) -> float:
        return max(w.height for w in self.words)


def _indexed_text(words: list[Word]) -> tuple[str, list[int]]:
    """Words joined by spaces and, for each word, the offset where it starts."""
    starts, parts, offset = [], [], 0
    for word in words:
        starts.append(offset)
        parts.append(word.text)
        offset += len(word.text) + 1
    return " ".join(parts), starts


def _spot(hit: LabelHit, text: str, words: list[Word], starts: list[int], segment: Segment,
          first_of_segment: int) -> Spot:
    first = max(i for i, s in enumerate(starts) if s <= hit.start)
    last = max(i for i, s in enumerate(starts) if s < hit.end)
    word_end = starts[last] + len(words[last].text)
    return Spot(
        label=hit.label,
        words=words[first:last + 1],
        printed=text[hit.start:hit.end],
        tail=text[hit.end:word_end],
        segment=segment,
        after=last + 1 - first_of_segment,
        fuzzy=hit.fuzzy,
        lines={w.line for w in words[first:last + 1]},
    )


def _segment_below(segment: Segment, by_line: dict[int, list[Segment]]) -> Segment | None:
    """The segment that continues this one on a following line, aligned at its left edge.

    Lines of another column may sit in between (their baselines differ slightly).
    """
    height = max(w.height for w in segment.words)
    for step in (1, 2, 3):
        for candidate in by_line.get(segment.line + step, []):
            gap = candidate.words[0].top - segment.words[0].bottom
            if gap > STACK_GAP * height:
                return None
            if abs(candidate.x0 - segment.x0) <= height:
                return candidate
    return None


def find_spots(page: Page, matcher: LabelMatcher) -> tuple[list[Spot], dict[int, list[Segment]]]:
    """All label spots of a page, and the page's segments by line."""
    fuzzy = page.source == "ocr"
    by_line = {
        row[0][0].line: [Segment(seg, row[0][0].line) for seg in row] for row in page.rows
    }
    spots: list[Spot] = []
    for segments in by_line.values():
        for segment in segments:
            text, starts = _indexed_text(segment.words)
            found = matcher.find(text, fuzzy)
            hits = _without_qualifiers(text, found)
            spots += [_spot(h, text, segment.words, starts, segment, 0) for h in hits]
            spots += _stacked_spots(segment, text, found, by_line, matcher, fuzzy)
    stacked = [s for s in spots if len(s.lines) > 1]
    spots = [s for s in spots if not any(_covered(s, t) for t in stacked if t is not s)]
    return spots, by_line


def _without_qualifiers(text: str, hits: list[LabelHit]) -> list[LabelHit]:
    """Drop a customer label that only qualifies an adjacent negative one.

    "Bestellnummer Kunde", "Referentie klant", "CIF del cliente", "Customer order number",
    "Ref. cliente pedido": the value belongs to the negative label (an order number, a tax id).
    """
    def adjacent(a: LabelHit, b: LabelHit) -> bool:
        between = [w for w in regex.split(r"\W+", text[a.end:b.start]) if w]
        return not between or (len(between) == 1 and len(between[0]) <= 3)

    def qualifies(hit: LabelHit, index: int) -> bool:
        before = hits[index - 1] if index else None
        after = hits[index + 1] if index + 1 < len(hits) else None
        if after and after.label.kind == "negative" and adjacent(hit, after) \
                and ":" not in text[hit.end:after.start]:
            return True  # "Ref. cliente pedido": a customer's order reference
        return bool(before and before.label.kind == "negative" and hit.label.strength < WEAK
                    and adjacent(before, hit))  # "Bestellnummer Kunde"

    return [h for i, h in enumerate(hits) if h.label.kind == "negative" or not qualifies(h, i)]


def _covered(spot: Spot, other: Spot) -> bool:
    return all(any(w is v for v in other.words) for w in spot.words)


def _stacked_spots(segment: Segment, text: str, found: list[LabelHit],
                   by_line: dict[int, list[Segment]], matcher: LabelMatcher,
                   fuzzy: bool) -> list[Spot]:
    """Labels printed over two lines ("Customer" above "Number:"), joined at the line break;
    `found`: the labels of `segment` alone."""
    below = _segment_below(segment, by_line) if matcher.may_continue(text) else None
    if below is None:
        return []
    words = segment.words + below.words
    joined, starts = _indexed_text(words)
    lower = len(text) + 1
    whole = [(h.start, h.end, h.label) for h in found] + [
        (h.start + lower, h.end + lower, h.label) for h in matcher.find(joined[lower:], fuzzy)]
    spots = []
    for hit in matcher.find(joined, fuzzy):
        if hit.start < len(text) < hit.end and not any(
                start < hit.end and hit.start < end and not hit.start <= start < end <= hit.end
                and _complete(label) for start, end, label in whole):
            spots.append(_spot(hit, joined, words, starts, below, len(segment.words)))
    return spots


def _complete(label: LabelSet) -> bool:
    """A label that stands alone: a label over two lines may extend it ("NIF" over "cliente")
    but not cut through it ("Código de cliente" over "Nº de factura" is two labels, not a
    "cliente Nº" between them)."""
    return label.kind == "negative" or label.strength >= WEAK
