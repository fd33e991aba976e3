"""Evidence of a finding: a PNG of the page region where it was printed, the value boxed in red
on yellow and its label boxed in blue.

A text PDF page is rendered with pypdfium2; a scanned page or an image is prepared as OCR saw it
(straightened, ~300 DPI: the finding's boxes are in its points); an email's text, or a part of
an email, is drawn from its words. The label is found among the page's words near the value.
"""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageFont

from extractor.document.page import Page
from extractor.document.result import Finding
from extractor.document.word import BBox, Word
from extractor.errors import MalformedDocument
from extractor.read import images, pdfium
from extractor.read.scan import Scan
from extractor.read.sniff import sniff
from extractor.read.strategy import IMAGE_TYPES, read_document
from extractor.settings import Settings
from extractor.text import fold

DPI = 150
MARGIN = (54.0, 30.0)  # points around the boxes shown, across and down
LABEL_REACH = 4.0  # a label this many value heights from the value, at most
VALUE_FILL, VALUE_LINE = (255, 221, 0, 110), (200, 30, 30, 255)
LINE_FILL = (255, 221, 0, 45)
LABEL_FILL, LABEL_LINE = (30, 90, 220, 50), (30, 90, 220, 255)
LINE_WIDTH = 3


def _always(_: str) -> bool:
    return True


def _key(text: str) -> str:
    return "".join(c for c in fold(text) if c.isalnum())


def label_box(words: list[Word], label: str, value: BBox) -> BBox | None:
    """The box of the printed label nearest the value: consecutive words that spell it (the
    last may carry more, "No.:" or a glued value), at most LABEL_REACH value heights above or
    below it."""
    target = _key(label)
    reach = LABEL_REACH * max(value[3] - value[1], 1.0)
    best: tuple[float, BBox] | None = None
    for start in range(len(words)):
        spelled = ""
        for end in range(start, len(words)):
            spelled += _key(words[end].text)
            if not spelled:
                break
            if spelled.startswith(target):
                span = words[start:end + 1]
                box = (min(w.x0 for w in span), min(w.top for w in span),
                       max(w.x1 for w in span), max(w.bottom for w in span))
                dx = max(value[0] - box[2], box[0] - value[2], 0.0)
                dy = max(value[1] - box[3], box[1] - value[3], 0.0)
                if dy <= reach and (best is None or math.hypot(dx, dy) < best[0]):
                    best = (math.hypot(dx, dy), box)
                break
            if not target.startswith(spelled):
                break
    return best[1] if best else None


def _scan(image: Image.Image, dpi: float, settings: Settings) -> tuple[Image.Image, float]:
    """A page image as OCR saw it (its words' points are its pixels at `dpi`): prepared, turned
    the way its text lines say (as OCR first turns it), and levelled."""
    scan = Scan(image, dpi, 1, settings)
    return scan.image, scan.dpi


def _pdf(data: bytes, number: int, settings: Settings) -> tuple[Image.Image, float, list[Word]]:
    with pdfium.open_pdf(data, settings) as pdf:
        if not 1 <= number <= len(pdf):
            raise MalformedDocument(f"the PDF has no page {number}")
        page = pdf[number - 1]
        try:
            text, words = pdfium.read_page(page, number, settings, _always)
            if pdfium.needs_ocr(page, text):
                image, dpi = _scan(*pdfium.render(pdf, number - 1, settings), settings)
                return image, dpi, []
            return page.render(scale=DPI / 72).to_pil(), DPI, words.words if words else []
        finally:
            page.close()


def _image(data: bytes, number: int, settings: Settings) -> tuple[Image.Image, float, list[Word]]:
    for index, (frame, dpi) in enumerate(
            images.frames(images.open_image(data, settings), settings), 1):
        if index == number:
            image, dpi = _scan(frame, dpi, settings)
            return image, dpi, []
    raise MalformedDocument(f"the image has no page {number}")


def _drawn(page: Page) -> tuple[Image.Image, float, list[Word]]:
    """A page that has no picture of its own (an email's text): its words drawn in place."""
    scale = DPI / 72
    image = Image.new("RGB", (math.ceil(page.width * scale), math.ceil(page.height * scale)),
                      "white")
    draw = ImageDraw.Draw(image)
    for word in page.words:
        font = ImageFont.load_default(size=max(8, round(word.height * scale * 0.9)))
        draw.text((word.x0 * scale, word.top * scale), word.text, fill="black", font=font)
    return image, DPI, page.words


def _read(data: bytes, finding: Finding, settings: Settings) -> Page:
    document = read_document(data, sniff(data), settings, _always)
    for page in document.pages:
        if page.number == finding.page and (page.part or None) == finding.part:
            return page
    raise MalformedDocument(f"page {finding.page} of {finding.part or 'the document'} "
                            "was not found")


def page_picture(data: bytes, finding: Finding,
                 settings: Settings) -> tuple[Image.Image, float, list[Word]]:
    """The finding's page as a picture, its resolution (DPI) and its words (when at hand)."""
    doc_type = sniff(data)
    if finding.part is None and doc_type == "pdf":
        return _pdf(data, finding.page, settings)
    if finding.part is None and doc_type in IMAGE_TYPES:
        return _image(data, finding.page, settings)
    return _drawn(_read(data, finding, settings))


def render(data: bytes, finding: Finding, settings: Settings) -> bytes:
    """The PNG evidence of `finding` on the document `data`."""
    image, dpi, words = page_picture(data, finding, settings)
    value: BBox = tuple(finding.bbox)  # type: ignore[assignment]
    label = label_box(words, finding.label, value)
    boxes = [value] + ([label] if label else [])
    scale = dpi / 72
    left = max(0, math.floor((min(b[0] for b in boxes) - MARGIN[0]) * scale))
    top = max(0, math.floor((min(b[1] for b in boxes) - MARGIN[1]) * scale))
    right = min(image.width, math.ceil((max(b[2] for b in boxes) + MARGIN[0]) * scale))
    bottom = min(image.height, math.ceil((max(b[3] for b in boxes) + MARGIN[1]) * scale))
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    pad = 2
    if label is None:  # the whole line then, where the label will be
        left, right = 0, image.width
        draw.rectangle([0, value[1] * scale - pad, image.width, value[3] * scale + pad],
                       fill=LINE_FILL)
    for box, fill, line in ((label, LABEL_FILL, LABEL_LINE), (value, VALUE_FILL, VALUE_LINE)):
        if box is not None:
            draw.rectangle([box[0] * scale - pad, box[1] * scale - pad, box[2] * scale + pad,
                            box[3] * scale + pad], fill=fill, outline=line, width=LINE_WIDTH)
    picture = Image.alpha_composite(image.convert("RGBA"), overlay)
    out = io.BytesIO()
    picture.crop((left, top, max(right, left + 1), max(bottom, top + 1))).convert("RGB").save(
        out, "PNG", optimize=True)
    return out.getvalue()
