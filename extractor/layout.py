"""Geometry of a page: words into lines, lines into segments (runs of words without a wide gap)."""

from __future__ import annotations

import statistics

from extractor.models import Word

SEGMENT_GAP = 1.2  # a gap wider than this many word heights starts a new segment (a new cell)


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
    ordered: list[Word] = []
    for number, line in enumerate(lines):
        for word in sorted(line, key=_left):
            word.line = number
            ordered.append(word)
    return ordered


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
