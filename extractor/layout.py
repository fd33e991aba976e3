"""Geometry of a page: words into lines, lines into segments (runs of words without a wide gap)."""

from __future__ import annotations

from extractor.models import Word

SEGMENT_GAP = 1.2  # a gap wider than this many word heights starts a new segment (a new cell)


def assign_lines(words: list[Word]) -> list[Word]:
    """Group words whose vertical centres align into lines; return them line by line, left to right.

    Sets each word's `line` (0-based, top to bottom).
    """
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.center_y, w.x0)):
        if lines:
            line = lines[-1]
            anchor = line[0]
            if abs(word.center_y - anchor.center_y) <= max(anchor.height, word.height) * 0.35:
                line.append(word)
                continue
        lines.append([word])
    ordered: list[Word] = []
    for number, line in enumerate(lines):
        for word in sorted(line, key=lambda w: w.x0):
            word.line = number
            ordered.append(word)
    return ordered


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
