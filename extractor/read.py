"""Read stage: bytes of a sniffed type in, pages of words out (one page model for every reader)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from extractor import read_image, read_ocr, read_pdf
from extractor.errors import NeedsOcr, UnsupportedType
from extractor.layout import overlap
from extractor.models import BBox, Page, TextSource, Word
from extractor.read_scan import QUICK_PARTS, Scan
from extractor.settings import Settings
from extractor.sniff import DocType

IMAGE_TYPES = ("png", "jpeg", "tiff", "webp")
COVERED = 0.3  # a word read again covers an earlier one over this share of the narrower
# and of the lower one (text bodies of neighbouring lines overlap a little)
LABEL_REACH = (3.0, 5.0)  # a label's heights above and below it: where its value may be
ILLEGIBLE = 0.1  # OCR confidence of a word not read at all...
ILLEGIBLE_ABOVE = 0.5  # ...that is read closely when above this share of the page height,
ILLEGIBLE_REACH = (1.0, 1.0)  # with the lines next to it (its heights above and below it)
CLEARLY_SURER = 0.15  # a quick look's word read this much more surely than the closer reading
# of it stays: the closer one reads at full resolution, in the label's language, and is made
# where the quick look was in doubt ("N27746897" at 0.41 there, "TN27746897" at 0.30 closely)
Reread = Callable[[BBox, str], list[Word]]  # a box (points) read again, as one line of characters


@dataclass(slots=True)
class Document:
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


def _never(document: Document, unread: float) -> bool:
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


def _nowhere(document: Document) -> list[Doubt]:
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
    enough: Callable[[Document, float], bool] = _never
    doubtful: Callable[[Document], list[Doubt]] = _nowhere


def read_document(data: bytes, doc_type: DocType, settings: Settings,
                  wants_words: Callable[[str], bool], hooks: OcrHooks = OcrHooks()) -> Document:
    if doc_type == "pdf":
        return _read_pdf(data, settings, wants_words, hooks)
    if doc_type in IMAGE_TYPES:
        return _read_image(data, settings, wants_words, hooks)
    if doc_type == "eml":
        from extractor.read_email import read_email  # it builds this module's Document

        return read_email(data, settings, wants_words, read_document)
    raise UnsupportedType(f"{doc_type} documents are not supported yet")


def _always(_: str) -> bool:
    return True


def _read_pdf(data: bytes, settings: Settings, wants_words: Callable[[str], bool],
              hooks: OcrHooks) -> Document:
    with read_pdf.open_pdf(data, settings) as pdf:
        texts: list[str] = []
        pages: list[Page] = []
        scanned: list[int] = []
        for index in range(len(pdf)):
            page = read_pdf.load_page(pdf, index)
            try:
                wants = wants_words if index else _always
                text, words = read_pdf.read_page(page, index + 1, settings, wants)
                if read_pdf.needs_ocr(page, text):
                    scanned.append(index + 1)
                    text, words = "", None
                texts.append(text)
                if words is not None:
                    pages.append(words)
            finally:
                page.close()
        document = Document(page_count=len(pdf), pages=pages, texts=texts, text_source="text")
        scans = (Scan(*read_pdf.render(pdf, n - 1, settings), n, settings) for n in scanned)
        return _with_ocr(document, scanned, scans, settings, wants_words, hooks)


def _read_image(data: bytes, settings: Settings, wants_words: Callable[[str], bool],
                hooks: OcrHooks) -> Document:
    image = read_image.open_image(data, settings)
    count = getattr(image, "n_frames", 1)
    document = Document(page_count=count, pages=[], texts=[""] * count, text_source="ocr")
    scans = (Scan(frame, dpi, n, settings)
             for n, (frame, dpi) in enumerate(read_image.frames(image, settings), 1))
    return _with_ocr(document, list(range(1, count + 1)), scans, settings, wants_words, hooks)


def _with_ocr(document: Document, numbers: list[int], scans: Iterator[Scan], settings: Settings,
              wants_words: Callable[[str], bool], hooks: OcrHooks) -> Document:
    """Add the pages `numbers` (ascending), read by OCR from `scans`, to what the text layers gave.

    auto, page 1 scanned: quick looks at its top, its middle, then the rest; after each, where it
    saw a strong label without a confident value (of a kind not found surely yet), the rows
    around that label are read again closely; all this stops as soon as what was read holds a
    confident finding and no strong label without a value; with none after all the looks, the
    words they could not read at all, in the upper half, are read closely. Then every other
    page, as `full` reads every page. auto, page 1 with text: the scanned pages only when the text
    pages hold no confident finding. off: refuse.
    """
    if not numbers:
        return document
    if settings.ocr == "off":
        raise NeedsOcr(f"{len(numbers)} of {document.page_count} pages have no text layer and "
                       "OCR is off")
    if settings.ocr == "auto" and numbers[0] != 1 and hooks.enough(document, math.inf):
        return document  # page 1 has text, and the text pages hold a confident finding
    document.text_source = "ocr" if len(numbers) == document.page_count else "mixed"
    if settings.ocr == "auto" and numbers[0] == 1 and _first_page_quickly(
            document, next(scans), wants_words, hooks):
        return document
    for scan in scans:
        _put(document, scan, scan.read("all"), wants_words, hooks)
    return document


def _first_page_quickly(document: Document, first: Scan, wants_words: Callable[[str], bool],
                        hooks: OcrHooks) -> bool:
    """Page 1 under auto (see _with_ocr); whether what was read is enough."""
    close: list[tuple[float, float]] = []  # bands read closely already
    for part in QUICK_PARTS:
        _put(document, first, first.read(part, quick=True), wants_words, hooks)
        # read closely where those labels' values are, even beside a sure finding
        _read_closely(document, first, hooks.doubtful(document), close, wants_words, hooks)
        if hooks.enough(document, first.unread):
            return True
    # nothing sure on the whole page: read closely what the quick look could not read at all
    _read_closely(document, first, _illegible(document, read_ocr.first_language(first.settings)),
                  close, wants_words, hooks)
    return hooks.enough(document, first.unread)


def _illegible(document: Document, language: str) -> list[Doubt]:
    """Words in the upper part of page 1 (where numbers are printed; small print fills the foot)
    that the quick look could not read at all: two columns it took for one line come out so,
    a label among them. In `language`: the label's is unknown, and each language Tesseract
    loads makes it try other readings of what it cannot read."""
    page = document.page(1)
    return [Doubt((w.x0, w.top, w.x1, w.bottom), language, ILLEGIBLE_REACH) for w in page.words
            if w.conf < ILLEGIBLE and sum(c.isalnum() for c in w.text) >= 2
            and w.center_y < ILLEGIBLE_ABOVE * page.height]


def _read_closely(document: Document, first: Scan, doubts: list[Doubt],
                  close: list[tuple[float, float]], wants_words: Callable[[str], bool],
                  hooks: OcrHooks) -> None:
    """Read the bands around `doubts` on page 1 closely, but those in bands `close` (read so
    already, and extended here)."""
    doubts = [doubt for doubt in doubts
              if not any(t <= (doubt.box[1] + doubt.box[3]) / 2 <= b for t, b in close)]
    if not doubts:
        return
    bands, words = first.read_bands([d.band for d in doubts], {d.language for d in doubts})
    close += bands
    page = document.page(1)
    document.pages.remove(page)
    _put(document, first, _replaced(page.words, words), wants_words, hooks)


def _replaced(words: list[Word], again: list[Word]) -> list[Word]:
    """`words` and the same place read `again`, closely: where words of both cover each other,
    those read again, unless the first reading was clearly surer (by CLEARLY_SURER); elsewhere
    all of both (a reading may miss what the other one saw)."""
    def covering(word: Word, others: list[Word]) -> list[Word]:
        return [o for o in others
                if overlap(word.x0, word.x1, o.x0, o.x1) > COVERED * min(word.width, o.width)
                and overlap(word.top, word.bottom, o.top, o.bottom)
                > COVERED * min(word.height, o.height)]

    kept = [w for w in words
            if not any(a.conf + CLEARLY_SURER >= w.conf for a in covering(w, again))]
    return kept + [a for a in again if not covering(a, kept)]


def _put(document: Document, scan: Scan, words: list[Word],
         wants_words: Callable[[str], bool], hooks: OcrHooks) -> None:
    """Add words OCR'd on a page (to those read there before), refined, if they may matter."""
    earlier = document.page(scan.number)
    page = scan.page((earlier.words if earlier else []) + words)
    text = "\n".join(" ".join(w.text for w in line) for line in page.lines)
    document.texts[scan.number - 1] = text
    if scan.number != 1 and not wants_words(text):
        return
    hooks.refine(page, scan.reread)
    document.pages = sorted([p for p in document.pages if p.number != scan.number] + [page],
                            key=lambda p: p.number)
