"""Laid-out text lines to pages of words: a monospace grid, so the geometric matcher applies.

A character is CHAR_WIDTH points wide and a line LINE_HEIGHT points high, in a SIZE-point font:
one or two spaces keep words in one segment, three or more split it (see `layout.SEGMENT_GAP`).
"""

from __future__ import annotations

import regex

from extractor.document.layout import assign_lines
from extractor.document.page import Page
from extractor.document.word import Word

CHAR_WIDTH, LINE_HEIGHT, SIZE = 6.0, 12.0, 10.0
PAGE_MARGIN = 36.0
LINES_PER_PAGE = 60  # a Letter page: 792 pt high
MIN_COLUMNS = 90  # a Letter page: 612 pt wide
WORD = regex.compile(r"\S+")


def paginate(lines: list[str]) -> list[list[str]]:
    """Lines in pages of LINES_PER_PAGE (at least one page, maybe empty)."""
    return [lines[i:i + LINES_PER_PAGE] for i in range(0, max(len(lines), 1), LINES_PER_PAGE)]


def grid_page(lines: list[str], number: int, part: str = "") -> Page:
    """One page of lines; every word gets its monospace grid box."""
    words = [
        Word(m.group(), PAGE_MARGIN + m.start() * CHAR_WIDTH, PAGE_MARGIN + row * LINE_HEIGHT,
             PAGE_MARGIN + m.end() * CHAR_WIDTH, PAGE_MARGIN + row * LINE_HEIGHT + SIZE, SIZE)
        for row, line in enumerate(lines) for m in WORD.finditer(line)
    ]
    width = max([len(line) for line in lines] + [MIN_COLUMNS]) * CHAR_WIDTH + 2 * PAGE_MARGIN
    return Page(number=number, width=width, height=LINES_PER_PAGE * LINE_HEIGHT + 2 * PAGE_MARGIN,
                words=assign_lines(words), source="email", part=part)
