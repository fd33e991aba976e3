"""Geometry of a page: words into lines, lines into segments (runs of words without a wide gap)."""

from __future__ import annotations

import statistics

from extractor.document.word import Word

SEGMENT_GAP = 1.2  # a gap wider than this many word heights starts a new segment (a new cell)
TOUCH_GAP = 0.5  # words side by side, closer than this many heights, and overlapping...
TOUCH_OVERLAP = 0.6  # ...over this share of the shorter one's height: one line


def assign_lines(words: list[Word]) -> list[Word]:
    """Group words whose vertical centres align into lines; return them line by line, left to right.

    Sets each word's `line` (0-based, top to bottom). Centres are compared along the page's
    slope, the median of its words' (the lines of a scan still a little askew run down or up).
    """
    lines: list[list[Word]] = []
    anchor_y = anchor_h = 0.0
    slope = statistics.median(w.slope for w in words) if words else 0.0
    keyed = sorted(((w.top + w.bottom) / 2 - slope * (w.x0 + w.x1) / 2, w.x0, i)
                   for i, w in enumerate(words))
    for centre, _, index in keyed:
        word = words[index]
        height = word.bottom - word.top
        if lines and abs(centre - anchor_y) <= max(anchor_h, height) * 0.35:
            lines[-1].append(word)
            continue
        lines.append([word])
        anchor_y, anchor_h = centre, height
    lines = _rejoined(lines)
    ordered: list[Word] = []
    for number, line in enumerate(lines):
        for word in sorted(line, key=_left):
            word.line = number
            ordered.append(word)
    return ordered


def overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    """How far the spans a0..a1 and b0..b1 overlap (negative: the gap between them)."""
    return min(a1, b1) - max(a0, b0)


def _rejoined(lines: list[list[Word]]) -> list[list[Word]]:
    """Neighbouring lines joined where a word of one touches a word of the other side by side
    and no two words of them collide: a row drifting across the bar splits there (one number
    read as "0078" on one line and "74304-386639" on the next)."""
    joined: list[list[Word]] = []
    for line in lines:
        if joined and _touching(joined[-1], line):
            joined[-1] = joined[-1] + line
        else:
            joined.append(line)
    return joined


def _touching(upper: list[Word], lower: list[Word]) -> bool:
    # Most neighbouring lines do not overlap in height at all: no word pair can then touch.
    if overlap(min(w.top for w in upper), max(w.bottom for w in upper),
               min(w.top for w in lower), max(w.bottom for w in lower)) < 0:
        return False

    def side_by_side(a: Word, b: Word) -> bool:
        shorter = min(a.height, b.height)
        return (0 <= -overlap(a.x0, a.x1, b.x0, b.x1) <= TOUCH_GAP * shorter
                and overlap(a.top, a.bottom, b.top, b.bottom) >= TOUCH_OVERLAP * shorter)

    def collide(a: Word, b: Word) -> bool:
        return overlap(a.x0, a.x1, b.x0, b.x1) > 0

    pairs = [(a, b) for a in upper for b in lower]
    return any(side_by_side(a, b) for a, b in pairs) and not any(collide(a, b) for a, b in pairs)


def _left(word: Word) -> float:
    return word.x0


def lines_of(words: list[Word]) -> list[list[Word]]:
    """Words (already ordered by `assign_lines`) split into their lines."""
    lines: list[list[Word]] = []
    for word in words:
        if not lines or lines[-1][0].line != word.line:
            lines.append([])
        lines[-1].append(word)
    return lines


def segments_of(line: list[Word]) -> list[list[Word]]:
    """Split one line where the gap between words is wider than SEGMENT_GAP word heights."""
    segments: list[list[Word]] = []
    for word in line:
        if segments:
            previous = segments[-1][-1]
            gap = word.x0 - previous.x1
            if gap <= SEGMENT_GAP * max(previous.height, word.height, 1.0):
                segments[-1].append(word)
                continue
        segments.append([word])
    return segments
