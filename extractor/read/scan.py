"""OCR of one page image: prepared once, turned upright when its text does not read, then read
(quick looks at the top of the page, its middle and the rest, or the whole page) into words in
PDF points.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Literal

from PIL import Image

from extractor.document.layout import assign_lines
from extractor.document.page import Page
from extractor.document.word import BBox, Word
from extractor.read import images, tesseract
from extractor.settings import Settings

Part = Literal["top", "middle", "rest", "all"]
QUICK_PARTS: tuple[Part, ...] = ("top", "middle", "rest")  # the auto strategy's quick looks
CUTS = (0.3, 0.6)  # shares of the page height where the top and the middle end (at the
CUT_REACH = 0.06  # quietest row within this share of the height)
QUICK_DPI = 200  # resolution of that first, quick look, which reads the text as one column of
QUICK_PSM = 4  # lines across the page: at this resolution, Tesseract's layout analysis of blocks
# and columns (PAGE_PSM) drops whole table cells now and then; the words' boxes place them anyway
LEGIBLE_CONF = 0.7  # a word read at least this surely...
LEGIBLE_SHARE = 0.5  # ...and this share of such words: the page is upright
LEGIBLE_MIN = 3
NOISE_CONF = 0.6  # a word read less surely than this...
NOISE_WIDTH = 1.5  # ...and wider than this many heights a character is a rule or leader
PAD = 0.35  # of the value's height, around a value re-read on its own
BAND_MARGIN = 0.15  # of a band's height, read beyond it so that its edge lines read whole


def _upright(words: list[Word]) -> bool:
    """Do the longer words read with confidence, and run across? (A page on its side reads as
    noise, or as words standing on end.)"""
    long = [w for w in words if sum(c.isalnum() for c in w.text) >= 3]
    sure = [w for w in long if w.conf >= LEGIBLE_CONF and w.width > w.height]
    return len(sure) >= LEGIBLE_MIN and len(sure) >= LEGIBLE_SHARE * len(long)


def _text(word: Word) -> bool:
    """Not a rule or a dotted leader read as a few letters stretched over a long run."""
    return word.conf >= NOISE_CONF or word.width <= NOISE_WIDTH * word.height * len(word.text)


class Scan:
    """One page image; `read` OCRs a part of it, `read_bands` some bands of rows of it,
    `reread` one value's box."""

    def __init__(self, image: Image.Image, dpi: float, number: int, settings: Settings) -> None:
        self._base, self.dpi = images.prepare(image, dpi, settings)
        self._turns = images.quarter_turns(self._base, self.dpi)
        self._turn(self._turns[0])
        self.number = number
        self.settings = settings
        self._oriented = False  # set once the text read, or the page was turned
        self.unread = 0.0  # points from the top where the rows not read yet begin

    @property
    def image(self) -> Image.Image:
        """The page as it is read: upright and straightened."""
        return self._page.whole

    @property
    def scale(self) -> float:
        """PDF points per pixel."""
        return 72 / self.dpi

    def page(self, words: list[Word]) -> Page:
        return Page(number=self.number, width=self._page.width * self.scale,
                    height=self._page.height * self.scale, words=assign_lines(words),
                    source="ocr")

    def read(self, part: Part, quick: bool = False) -> list[Word]:
        """Words of the top of the page, its middle, the rest, or all of it (`quick`: in the
        first configured language only, at a lower resolution, as one column of lines)."""
        words = self._read(part, quick)
        if not self._oriented:
            self._oriented = True
            for degrees in self._turns[1:]:  # a page on its side: the other side
                if _upright(words):
                    break
                self._turn(degrees)
                words = self._read(part, quick)
            if not _upright(words) and (degrees := tesseract.rotation(
                    self.image, self.settings, round(self.dpi))):
                self._turn(self._turned + degrees)
                words = self._read(part, quick)
        return words

    def _turn(self, degrees: int) -> None:
        """Turn the page `degrees` clockwise from how it came, and straighten it again."""
        self._turned = degrees % 360
        self._page = images.Straightened(images.turn(self._base, self._turned))
        self._cuts: list[int] = []  # the rows the top and the middle end at, found on first read

    def read_bands(self, spans: list[tuple[float, float]], languages: Collection[str] = ()
                   ) -> tuple[list[tuple[float, float]], list[Word]]:
        """Read closely the bands of the page (full width) that `spans` (top, bottom in points)
        make, overlapping ones merged, in `languages` (see tesseract.words): (top, bottom) of each
        band, and the words whose middle is inside one."""
        bands: list[tuple[float, float]] = []
        for band in sorted(spans):
            if bands and band[0] <= bands[-1][1]:
                bands[-1] = (bands[-1][0], max(bands[-1][1], band[1]))
            else:
                bands.append(band)
        words = []
        for top, bottom in bands:
            margin = (bottom - top) * BAND_MARGIN
            rows = (max(0, round((top - margin) / self.scale)),
                    min(self._page.height, round((bottom + margin) / self.scale)))
            words += [w for w in self._read_rows(*rows, quick=False, languages=languages)
                      if top <= w.center_y <= bottom]
        return bands, words

    def _read(self, part: Part, quick: bool) -> list[Word]:
        end = self._page.height
        rows = (0, end) if part == "all" else self._rows_of(part)
        self.unread = rows[1] * self.scale if rows[1] < end else math.inf
        return self._read_rows(*rows, quick)

    def _rows_of(self, part: Part) -> tuple[int, int]:
        """The rows of a quick look's part (the page is cut where its first look needs it)."""
        if not self._cuts:
            self._cuts = [self._quiet_row(share) for share in CUTS]
        top, middle = self._cuts
        return {"top": (0, top), "middle": (top, middle), "rest": (middle, self._page.height)}[part]

    def _quiet_row(self, share: float) -> int:
        """The row between text lines nearest to `share` of the page height."""
        target, reach = round(self._page.height * share), round(self._page.height * CUT_REACH)
        first = max(0, target - reach)
        around = self._page.rows(first, min(self._page.height, target + reach))
        return first + images.quiet_row(around, target - first)

    def _read_rows(self, top: int, bottom: int, quick: bool,
                   languages: Collection[str] = ()) -> list[Word]:
        # the letters stand upright now
        region = images.remove_leaders(self._page.rows(top, bottom), self.dpi)
        shrink = min(1.0, QUICK_DPI / self.dpi) if quick else 1.0
        if shrink < 1.0:
            region = region.resize((round(region.width * shrink), round(region.height * shrink)),
                                   Image.Resampling.BOX)
        found = tesseract.words(region, self.settings, round(self.dpi * shrink),
                               psm=QUICK_PSM if quick else tesseract.PAGE_PSM, quick=quick,
                               languages=languages)
        return [w for w in (self._word(w, 0, top, shrink) for w in found) if _text(w)]

    def reread(self, box: BBox, whitelist: str) -> list[Word]:
        """Words read again inside `box` (points), as one line of `whitelist` characters."""
        x0, top, x1, bottom = (v / self.scale for v in box)
        pad = (bottom - top) * PAD
        left, upper = max(0, round(x0 - pad)), max(0, round(top - pad))
        crop = self._page.region(left, upper, min(self._page.width, round(x1 + pad)),
                                 min(self._page.height, round(bottom + pad)))
        found = tesseract.words(crop, self.settings, round(self.dpi), psm=7, whitelist=whitelist,
                               quick=True)
        return [self._word(w, left, upper) for w in found]

    def _word(self, word: tesseract.OcrWord, dx: int, dy: int, shrink: float = 1.0) -> Word:
        """A word in points, as tall as its line's text body (text layers box words from ascent
        to descent, and the matcher's geometry expects such boxes); `shrink` is how much the
        image read was scaled down."""
        k = self.scale
        top, bottom = min(word.top, word.body_top), max(word.bottom, word.body_bottom)
        return Word(word.text, (word.left / shrink + dx) * k, (top / shrink + dy) * k,
                    (word.right / shrink + dx) * k, (bottom / shrink + dy) * k,
                    size=(bottom - top) / shrink * k, conf=word.conf, slope=word.slope)
