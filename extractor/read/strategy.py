"""Read stage: bytes of a sniffed type in, pages of words out (one page model for every reader)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

from extractor.document.layout import overlap
from extractor.document.page import Page
from extractor.document.readout import Doubt, OcrHooks, Readout
from extractor.document.word import Word
from extractor.errors import NeedsOcr, UnsupportedType
from extractor.read import images, pdfium, tesseract
from extractor.read.mail import ReadDocument, read_email
from extractor.read.scan import QUICK_PARTS, Scan
from extractor.read.sniff import DocType
from extractor.settings import Settings

IMAGE_TYPES = ("png", "jpeg", "tiff", "webp")
COVERED = 0.3  # a word read again covers an earlier one over this share of the narrower
# and of the lower one (text bodies of neighbouring lines overlap a little)
ILLEGIBLE = 0.1  # OCR confidence of a word not read at all...
ILLEGIBLE_ABOVE = 0.5  # ...that is read closely when above this share of the page height,
ILLEGIBLE_REACH = (1.0, 1.0)  # with the lines next to it (its heights above and below it)
CLEARLY_SURER = 0.15  # a quick look's word read this much more surely than the closer reading
# of it stays: the closer one reads at full resolution, in the label's language, and is made
# where the quick look was in doubt ("N27746897" at 0.41 there, "TN27746897" at 0.30 closely)


def read_document(data: bytes, doc_type: DocType, settings: Settings,
                  wants_words: Callable[[str], bool], hooks: OcrHooks = OcrHooks(),
                  read_part: ReadDocument | None = None) -> Readout:
    """`read_part` reads an email's attachments (default: this function, in this process)."""
    if doc_type == "pdf":
        return _read_pdf(data, settings, wants_words, hooks)
    if doc_type in IMAGE_TYPES:
        return _read_image(data, settings, wants_words, hooks)
    if doc_type == "eml":
        return read_email(data, settings, wants_words, read_part or read_document)
    raise UnsupportedType(f"{doc_type} documents are not supported yet")


def _always(_: str) -> bool:
    return True


def _read_pdf(data: bytes, settings: Settings, wants_words: Callable[[str], bool],
              hooks: OcrHooks) -> Readout:
    with pdfium.open_pdf(data, settings) as pdf:
        texts: list[str] = []
        pages: list[Page] = []
        scanned: list[int] = []
        for index in range(len(pdf)):
            page = pdfium.load_page(pdf, index)
            try:
                wants = wants_words if index else _always
                text, words = pdfium.read_page(page, index + 1, settings, wants)
                if pdfium.needs_ocr(page, text):
                    scanned.append(index + 1)
                    text, words = "", None
                texts.append(text)
                if words is not None:
                    pages.append(words)
            finally:
                page.close()
        document = Readout(page_count=len(pdf), pages=pages, texts=texts, text_source="text")
        scans = (Scan(*pdfium.render(pdf, n - 1, settings), n, settings) for n in scanned)
        return _with_ocr(document, scanned, scans, settings, wants_words, hooks)


def _read_image(data: bytes, settings: Settings, wants_words: Callable[[str], bool],
                hooks: OcrHooks) -> Readout:
    image = images.open_image(data, settings)
    count = getattr(image, "n_frames", 1)
    document = Readout(page_count=count, pages=[], texts=[""] * count, text_source="ocr")
    scans = (Scan(frame, dpi, n, settings)
             for n, (frame, dpi) in enumerate(images.frames(image, settings), 1))
    return _with_ocr(document, list(range(1, count + 1)), scans, settings, wants_words, hooks)


def _with_ocr(document: Readout, numbers: list[int], scans: Iterator[Scan], settings: Settings,
              wants_words: Callable[[str], bool], hooks: OcrHooks) -> Readout:
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


def _first_page_quickly(document: Readout, first: Scan, wants_words: Callable[[str], bool],
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
    _read_closely(document, first, _illegible(document, tesseract.first_language(first.settings)),
                  close, wants_words, hooks)
    return hooks.enough(document, first.unread)


def _illegible(document: Readout, language: str) -> list[Doubt]:
    """Words in the upper part of page 1 (where numbers are printed; small print fills the foot)
    that the quick look could not read at all: two columns it took for one line come out so,
    a label among them. In `language`: the label's is unknown, and each language Tesseract
    loads makes it try other readings of what it cannot read."""
    page = document.page(1)
    assert page is not None, "_put keeps page 1 whatever it holds"
    return [Doubt((w.x0, w.top, w.x1, w.bottom), language, ILLEGIBLE_REACH) for w in page.words
            if w.conf < ILLEGIBLE and sum(c.isalnum() for c in w.text) >= 2
            and w.center_y < ILLEGIBLE_ABOVE * page.height]


def _read_closely(document: Readout, first: Scan, doubts: list[Doubt],
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
    assert page is not None, "_put keeps page 1 whatever it holds"
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


def _put(document: Readout, scan: Scan, words: list[Word],
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
