"""Evidence of a finding: a PNG of the page region where it was printed, the value boxed in red
on yellow and its label boxed in blue.

Only the region shown is drawn, at most MAX_PIXELS (a page may be 200 inches wide, an email's
line 300,000 characters long): a text PDF page's region is rendered by pypdfium2; a scanned page
or an image is prepared as OCR saw it (straightened, ~300 DPI: the finding's boxes are in its
points); an email's text, or a part of an email, is drawn from its words in the
region. The label is found among the page's words near the value.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

import pypdfium2
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
MAX_PIXELS = (2400, 1200)  # the largest evidence image, across and down


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


def _region(value: BBox, label: BBox | None, size: tuple[float, float],
            scale: float) -> BBox:
    """The part of the page shown, in points: the boxes with a margin (the whole line where no
    label was found), within the page and at most MAX_PIXELS around the value's centre."""
    boxes = [value] + ([label] if label else [])
    left = 0.0 if label is None else min(b[0] for b in boxes) - MARGIN[0]
    right = size[0] if label is None else max(b[2] for b in boxes) + MARGIN[0]
    top = min(b[1] for b in boxes) - MARGIN[1]
    bottom = max(b[3] for b in boxes) + MARGIN[1]
    across, down = MAX_PIXELS[0] / scale / 2, MAX_PIXELS[1] / scale / 2
    middle, level = (value[0] + value[2]) / 2, (value[1] + value[3]) / 2
    return (max(left, middle - across, 0.0), max(top, level - down, 0.0),
            min(right, middle + across, size[0]), min(bottom, level + down, size[1]))


class Picture(Protocol):
    """A finding's page, drawn one region at a time (never whole: a page may be huge)."""

    @property
    def size(self) -> tuple[float, float]: ...  # in points

    @property
    def dpi(self) -> float: ...

    @property
    def words(self) -> list[Word]: ...  # where at hand

    def draw(self, region: BBox) -> Image.Image: ...


@dataclass
class _Pdf:
    """A text PDF page: pdfium renders the region alone."""

    page: pypdfium2.PdfPage
    size: tuple[float, float]
    words: list[Word]
    dpi: float = DPI

    def draw(self, region: BBox) -> Image.Image:
        crop = (region[0], self.size[1] - region[3], self.size[0] - region[2], region[1])
        return self.page.render(scale=self.dpi / 72, crop=crop).to_pil().convert("RGB")


@dataclass
class _Scan:
    """A page image as OCR saw it (its words' points are its pixels at `dpi`): prepared,
    turned the way its text lines say (as OCR first turns it), and levelled."""

    image: Image.Image
    dpi: float
    words: list[Word] = field(default_factory=list)

    @classmethod
    def of(cls, image: Image.Image, dpi: float, settings: Settings) -> _Scan:
        scan = Scan(image, dpi, 1, settings)
        return cls(scan.image, scan.dpi)

    @property
    def size(self) -> tuple[float, float]:
        return self.image.width * 72 / self.dpi, self.image.height * 72 / self.dpi

    def draw(self, region: BBox) -> Image.Image:
        scale = self.dpi / 72
        left, top, right, bottom = (round(edge * scale) for edge in region)
        return self.image.crop((left, top, right, bottom)).convert("RGB")


@dataclass
class _Drawn:
    """A page that has no picture of its own (an email's text): the words in the region drawn
    in place, each cut to the characters inside it (a line may run for 300,000 characters)."""

    page: Page
    dpi: float = DPI

    @property
    def size(self) -> tuple[float, float]:
        return self.page.width, self.page.height

    @property
    def words(self) -> list[Word]:
        return self.page.words

    def draw(self, region: BBox) -> Image.Image:
        scale = self.dpi / 72
        image = Image.new("RGB", _pixels(region, scale), "white")
        draw = ImageDraw.Draw(image)
        for word in self.page.words:
            if word.x1 < region[0] or word.x0 > region[2] or word.bottom < region[1] or (
                    word.top > region[3]):
                continue
            pitch = (word.x1 - word.x0) / max(len(word.text), 1)
            first = max(0, math.floor((region[0] - word.x0) / pitch))
            last = math.ceil((region[2] - word.x0) / pitch)
            font = ImageFont.load_default(size=max(8, round(word.height * scale * 0.9)))
            draw.text(((word.x0 + first * pitch - region[0]) * scale,
                       (word.top - region[1]) * scale), word.text[first:last], fill="black",
                      font=font)
        return image


def _pixels(region: BBox, scale: float) -> tuple[int, int]:
    return (max(1, math.ceil((region[2] - region[0]) * scale)),
            max(1, math.ceil((region[3] - region[1]) * scale)))


@contextmanager
def _pdf(data: bytes, number: int, settings: Settings) -> Iterator[Picture]:
    with pdfium.open_pdf(data, settings) as pdf:
        if not 1 <= number <= len(pdf):
            raise MalformedDocument(f"the PDF has no page {number}")
        page = pdf[number - 1]
        try:
            text, words = pdfium.read_page(page, number, settings, _always)
            if pdfium.needs_ocr(page, text):
                yield _Scan.of(*pdfium.render(pdf, number - 1, settings), settings)
            else:
                width, height = page.get_size()
                size = (height, width) if page.get_rotation() in (90, 270) else (width, height)
                yield _Pdf(page, size, words.words if words else [])
        finally:
            page.close()


def _image(data: bytes, number: int, settings: Settings) -> Picture:
    for index, (frame, dpi) in enumerate(
            images.frames(images.open_image(data, settings), settings), 1):
        if index == number:
            return _Scan.of(frame, dpi, settings)
    raise MalformedDocument(f"the image has no page {number}")


def _read(data: bytes, finding: Finding, settings: Settings) -> Page:
    document = read_document(data, sniff(data), settings, _always)
    for page in document.pages:
        if page.number == finding.page and (page.part or None) == finding.part:
            return page
    raise MalformedDocument(f"page {finding.page} of {finding.part or 'the document'} "
                            "was not found")


@contextmanager
def page_picture(data: bytes, finding: Finding, settings: Settings) -> Iterator[Picture]:
    """The finding's page, to draw regions of (a PDF page stays open meanwhile)."""
    doc_type = sniff(data)
    if finding.part is None and doc_type == "pdf":
        with _pdf(data, finding.page, settings) as picture:
            yield picture
    elif finding.part is None and doc_type in IMAGE_TYPES:
        yield _image(data, finding.page, settings)
    else:
        yield _Drawn(_read(data, finding, settings))


def render(data: bytes, finding: Finding, settings: Settings) -> bytes:
    """The PNG evidence of `finding` on the document `data`: at most MAX_PIXELS."""
    value: BBox = tuple(finding.bbox)  # type: ignore[assignment]
    with page_picture(data, finding, settings) as picture:
        label = label_box(picture.words, finding.label, value)
        scale = picture.dpi / 72
        region = _region(value, label, picture.size, scale)
        image = picture.draw(region)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    pad = 2

    def shown(box: BBox) -> list[float]:
        return [(box[0] - region[0]) * scale - pad, (box[1] - region[1]) * scale - pad,
                (box[2] - region[0]) * scale + pad, (box[3] - region[1]) * scale + pad]

    if label is None:  # the whole line then, where the label will be
        line = shown(value)
        draw.rectangle([0, line[1], image.width, line[3]], fill=LINE_FILL)
    for box, fill, outline in ((label, LABEL_FILL, LABEL_LINE), (value, VALUE_FILL, VALUE_LINE)):
        if box is not None:
            draw.rectangle(shown(box), fill=fill, outline=outline, width=LINE_WIDTH)
    out = io.BytesIO()
    Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB").save(
        out, "PNG", optimize=True)
    return out.getvalue()
