"""What the readers hand on: a document's pages and texts, and the hooks the match stage lends
the OCR reader (where to read closely, when to stop)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from extractor.document.page import Page
from extractor.document.result import TextSource
from extractor.document.word import BBox, Word

LABEL_REACH = (3.0, 5.0)  # a label's heights above and below it: where its value may be
Reread = Callable[[BBox, str], list[Word]]  # a box (points) read again, as one line of characters


@dataclass(slots=True)
class Readout:
    """What the readers produced: pages with words where they may matter, and every page's text.

    `pages` holds words only for pages whose text passed the `wants_words` test (and page 1,
    for the issuer); `texts` holds the plain text of every page.
    """

    page_count: int
    pages: list[Page]
    texts: list[str]
    text_source: TextSource
    sender_domain: str = ""  # an email's sender domain, for issuer profiles
    sender_name: str = ""  # an email's sender display name (or domain), the issuer's name
    heading: str = ""  # an email's subject, for the document kind
    errors: list[str] = field(default_factory=list)

    def page(self, number: int) -> Page | None:
        """The page `number` with its words, if it has them."""
        return next((p for p in self.pages if p.number == number), None)


def _no_refine(page: Page, reread: Reread) -> None:
    return None


def _never(document: Readout, unread: float) -> bool:
    return False


class Doubt(NamedTuple):
    """A place on page 1 to read closely: a strong label read without a confident value (or
    words not read at all), its box (points), the Tesseract language of its words ("" when
    unknown), and how far above and below it to read, in its heights."""

    box: BBox
    language: str
    reach: tuple[float, float] = LABEL_REACH

    @property
    def band(self) -> tuple[float, float]:
        """The rows to read, top and bottom in points."""
        height = self.box[3] - self.box[1]
        return self.box[1] - self.reach[0] * height, self.box[3] + self.reach[1] * height


def _nowhere(document: Readout) -> list[Doubt]:
    return []


@dataclass(frozen=True, slots=True)
class OcrHooks:
    """What the match stage lends the OCR reader.

    `refine` improves the weak values of an OCR'd page while its image is at hand, by reading
    boxes again; under the auto strategy, `enough` tells whether what was read so far holds a
    confident finding, so the rest need not be OCR'd (given where on page 1, in points, the
    rows not read yet begin), and `doubtful` where on page 1 a strong label was read without a
    confident value that a closer reading may change, so that only there the page is read
    closely.
    """

    refine: Callable[[Page, Reread], None] = _no_refine
    enough: Callable[[Readout, float], bool] = _never
    doubtful: Callable[[Readout], list[Doubt]] = _nowhere
