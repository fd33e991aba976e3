"""The page model every reader produces: words in reading order, with their lines and rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from extractor.document.layout import lines_of, segments_of
from extractor.document.word import Word


@dataclass
class Page:
    """A page of words in reading order; `number` counts from 1.

    `part` names the part of a multi-part document (an email attachment, say); empty otherwise.
    `lines` and `rows` are computed once, on first use: change `words` through `set_words`.
    """

    number: int
    width: float
    height: float
    words: list[Word] = field(default_factory=list)
    source: Literal["text", "ocr", "email"] = "text"
    part: str = ""

    def set_words(self, words: list[Word]) -> None:
        """Replace the words (some read again), and the lines and rows made of them."""
        self.words = words
        for made in ("lines", "rows"):
            self.__dict__.pop(made, None)

    @cached_property
    def lines(self) -> list[list[Word]]:
        """The words line by line, top to bottom, each line left to right."""
        return lines_of(self.words)

    @cached_property
    def rows(self) -> list[list[list[Word]]]:
        """Each line split into segments (runs of words without a wide gap)."""
        return [segments_of(line) for line in self.lines]
