"""Typed data of the pipeline: the page model every reader produces and the result it ends in."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, Field

Kind = Literal["customer_number", "account_number"]
TextSource = Literal["text", "ocr", "mixed", "email"]
DocumentKind = Literal["invoice", "bill", "statement", "receipt", "welcome_email", "other"]
BBox = tuple[float, float, float, float]


@dataclass(slots=True)
class Word:
    """One word on a page; box in PDF points (x0, top, x1, bottom), origin top-left."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float = 0.0
    line: int = 0
    conf: float = 1.0  # OCR word confidence in 0..1; 1.0 for text layers
    slope: float = 0.0  # how far its line runs down per unit across (a scan still askew)

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def center_y(self) -> float:
        return (self.top + self.bottom) / 2


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
        from extractor.layout import lines_of  # layout builds on this model

        return lines_of(self.words)

    @cached_property
    def rows(self) -> list[list[list[Word]]]:
        """Each line split into segments (runs of words without a wide gap)."""
        from extractor.layout import segments_of

        return [segments_of(line) for line in self.lines]


class Issuer(BaseModel):
    name: str
    confidence: float


class Finding(BaseModel):
    kind: Kind
    value: str
    normalized: str
    label: str
    page: int
    bbox: list[float] = Field(min_length=4, max_length=4)
    confidence: float
    pattern: str
    snippet: str
    part: str | None = None


class ErrorInfo(BaseModel):
    code: str
    message: str


class DocumentResult(BaseModel):
    """One document's result: exactly the object `custid extract --json` prints per file."""

    file: str
    sha256: str
    pages: int = 0
    text_source: TextSource | None = None
    issuer: Issuer | None = None
    document_kind: DocumentKind | None = None
    holder: str | None = None
    document_date: str | None = None
    document_date_confidence: float | None = None  # labelled 0.9, a period's end 0.7, else 0.5
    findings: list[Finding] = Field(default_factory=list)
    error: ErrorInfo | None = None
    warnings: list[str] = Field(default_factory=list)  # parts that could not be read
