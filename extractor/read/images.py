"""Load page images with Pillow and prepare them for OCR.

Loading guards first: the pixel count comes from the header, so an oversized image (a
decompression bomb) fails as too_large before any pixel is decoded. Frames come grayscale and
upright as the camera held them (EXIF); `prepare` brings a page to ~300 DPI, stretches its
contrast and inverts white-on-dark bands; `quarter_turns` tells which way its text lines run;
`turn`, `Straightened` and `remove_leaders` finish it once it is known which way is up.
"""

from __future__ import annotations

import io
import math
import warnings
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import accumulate

from PIL import (
    Image,
    ImageChops,
    ImageFilter,
    ImageOps,
    ImageSequence,
    ImageStat,
    UnidentifiedImageError,
)

from extractor.errors import MalformedDocument, TooLarge
from extractor.settings import Settings

OCR_DPI = 300  # what Tesseract reads best
MIN_DPI = 250  # images below are scaled up to OCR_DPI
DEFAULT_DPI = 300  # assumed when the file states none (or an impossible one)
PAGE_INCHES = 11.0  # without a usable DPI an image is taken for a page about this long...
MAX_PAGE_INCHES = 17.0  # ...and a stated DPI that makes a page longer than this is ignored,
MIN_STATED_DPI = 120  # as is one below this: cameras and editors write 72 or 96 regardless
INK = 128  # pixels darker than this (0..255) are ink
STRETCH_CUT = 0.01  # share of pixels clipped at each end by the contrast stretch...
MIN_SPREAD = 64  # ...which widens no fewer levels than this to the full range
STROKE = 1.6  # points: every letter has an upright stroke this tall; a leader's dots do not
REACH = 2.5  # points: ink this far from any such stroke is not part of a letter...
DOT_GAP, LEADER = 4.0, 12.0  # ...and when it runs on, gaps under DOT_GAP, this long: a leader
LEADER_DPI = 150  # leaders are looked for at this resolution
DARK = 96  # cells darker than this (0..255) are a coloured band carrying light text
SKEW_RANGE, SKEW_STEP, SKEW_FINE = 5.0, 0.25, 0.05  # degrees searched, coarse then fine
SKEW_STRIPS = 32  # vertical strips whose ink rows are shifted to try an angle
SKEW_MIN = 0.2  # smaller skews are left alone
PROFILE_WIDTH = 500  # pixels: the image width the skew is measured on
LINES_DPI = 150  # resolution the direction of text lines is judged at...
LINES_STRIPS = 16  # ...in strips narrow enough that a few degrees of skew keep lines apart
BLANK = 0.1  # of the mean ink of a profile: a blank row between two text lines
X_HEIGHT = 0.5  # of a line's fullest row: the rows of its lowercase letters' bodies


def open_image(data: bytes, settings: Settings) -> Image.Image:
    """Open an image (header only), refusing malformed files and too many pages."""
    try:
        with warnings.catch_warnings():  # the pixel count is checked against our own limit
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise TooLarge(f"the image is too large to decode ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise MalformedDocument(f"the image cannot be read ({exc})") from exc
    count = getattr(image, "n_frames", 1)
    if count > settings.max_pages:
        raise TooLarge(f"the image has {count} pages; the limit is {settings.max_pages}")
    return image


def frames(image: Image.Image, settings: Settings) -> Iterator[tuple[Image.Image, float]]:
    """Each page (TIFF frame) decoded, upright, grayscale, with its DPI."""
    for frame in ImageSequence.Iterator(image):
        width, height = frame.size
        if width * height > settings.max_image_pixels:
            raise TooLarge(f"an image page has {width} x {height} pixels; the limit is "
                           f"{settings.max_image_pixels / 1e6:.0f} Mpx")
        try:
            frame.load()
            page = ImageOps.exif_transpose(frame)
            yield _grayscale(page), _dpi(page)
        except (OSError, SyntaxError, ValueError) as exc:
            raise MalformedDocument(f"the image cannot be decoded ({exc})") from exc


def _grayscale(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    if image.mode in ("I;16", "I;16B", "I", "F"):
        image = ImageOps.autocontrast(image.convert("F").convert("L"))
    return image.convert("L")


def _dpi(image: Image.Image) -> float:
    """The stated DPI if it is plausible, else 300, or lower for a small image of a page."""
    stated = float(image.info.get("dpi", (0, 0))[0])
    longest = max(image.size)
    if stated >= MIN_STATED_DPI and longest / stated <= MAX_PAGE_INCHES:
        return stated
    return min(DEFAULT_DPI, max(72.0, longest / PAGE_INCHES))


def prepare(image: Image.Image, dpi: float, settings: Settings) -> tuple[Image.Image, float]:
    """Grayscale page at ~300 DPI, contrast stretched, white-on-dark bands inverted."""
    if dpi < MIN_DPI:
        budget = math.sqrt(settings.max_image_pixels / (image.width * image.height))
        scale = min(OCR_DPI / dpi, budget)
        if scale > 1.05:
            size = (round(image.width * scale), round(image.height * scale))
            image = image.resize(size, Image.Resampling.BICUBIC)
            dpi *= scale
    return invert_dark_bands(_stretch(image), dpi), dpi


def _stretch(image: Image.Image) -> Image.Image:
    """Contrast stretched from the darkest to the lightest STRETCH_CUT of the pixels, over
    MIN_SPREAD levels at least: on a nearly blank page the darkest 1% is paper, whose noise
    must not be stretched into ink."""
    levels = list(accumulate(image.histogram()))
    high = bisect_left(levels, levels[-1] * (1 - STRETCH_CUT))
    low = min(bisect_left(levels, levels[-1] * STRETCH_CUT), high - MIN_SPREAD)
    if low < 0:
        return image
    scale = 255 / (high - low)
    return image.point([min(255, max(0, round((v - low) * scale))) for v in range(256)])


def _dark(image: Image.Image, factor: int | tuple[int, int], below: int = INK) -> Image.Image:
    """`image` reduced by `factor`, as a mask: 255 where it is darker than `below`, else 0."""
    return image.reduce(factor).point(lambda v: 255 if v < below else 0)


def _run(ink: Image.Image, length: int, dx: int, dy: int, grow: bool) -> Image.Image:
    """Erode (or, `grow`, dilate) binary ink along (dx, dy) by `length` pixels: log2 steps of
    shifted copies, as Pillow's rank filters are square and slow."""
    pick = ImageChops.lighter if grow else ImageChops.darker
    sign = 1 if grow else -1
    step = 1
    while step < length:
        ink = pick(ink, ImageChops.offset(ink, sign * dx * step, sign * dy * step))
        step *= 2
    return ink


def remove_leaders(image: Image.Image, dpi: float) -> Image.Image:
    """White out dotted leaders and thin rules: long rows of ink far from any upright stroke.

    Leaders between a label and its value read as letters ("Klantnummer ....... 102" comes
    out "Klantnummers re 102") and glue to the label. Every letter has a stroke at least STROKE
    tall within REACH of it; a leader's dots do not, and they run on for LEADER or more.
    """
    factor = max(1, round(dpi / LEADER_DPI))
    points = dpi / factor / 72
    ink = _dark(image, factor)
    stem = round(STROKE * points)
    tall = _run(_run(ink, stem, 0, 1, grow=False), stem, 0, 1, grow=True)
    reach = round(REACH * points)
    near = _run(_run(tall, reach, 1, 0, grow=True), reach, 0, 1, grow=True)
    near = _run(_run(near, reach, -1, 0, grow=True), reach, 0, -1, grow=True)
    specks = ImageChops.subtract(ink, near)
    rows = _run(specks, round(DOT_GAP * points), 1, 0, grow=True)
    length = round(LEADER * points)
    rows = _run(_run(rows, length, 1, 0, grow=False), length, 1, 0, grow=True)
    leaders = ImageChops.darker(specks, rows)
    if leaders.getbbox() is None:
        return image
    halo = leaders.filter(ImageFilter.MaxFilter(3))  # with the grey rim of a blurred dot
    halo = halo.resize(image.size, Image.Resampling.NEAREST)
    return Image.composite(Image.new("L", image.size, 255), image, halo)


def invert_dark_bands(image: Image.Image, dpi: float) -> Image.Image:
    """Invert dark regions (coloured header bands, table heads) so their light text reads dark."""
    cell = max(4, round(dpi / 24))  # 3 pt: a cell of a band is dark even where a letter is
    cells = _dark(image, cell, DARK)
    # close gaps inside a band, then drop specks smaller than a band (bold letters, rules)
    mask = cells.filter(ImageFilter.MaxFilter(3)).filter(ImageFilter.MinFilter(3))
    mask = mask.filter(ImageFilter.MinFilter(5)).filter(ImageFilter.MaxFilter(5))
    if mask.getbbox() is None:
        return image
    mask = mask.resize(image.size, Image.Resampling.NEAREST)
    return Image.composite(ImageOps.invert(image), image, mask)


def quarter_turns(image: Image.Image, dpi: float) -> tuple[int, ...]:
    """The quarter turns (degrees clockwise) to try for the text to stand upright, likeliest
    first: 0 alone when its lines run across the page (upside down or not, Tesseract's OSD
    tells), else 90 and 270, ordered by which makes the text top-heavy."""
    ink = _dark(image, max(1, round(dpi / LINES_DPI)))
    across = _profiles(ink)
    down = _profiles(ink.transpose(Image.Transpose.ROTATE_90))
    if _blank_share(across) >= _blank_share(down):
        return (0,)
    return (90, 270) if _top_heavy(_profiles(ink.transpose(Image.Transpose.ROTATE_270))) \
        else (270, 90)


def _profiles(ink: Image.Image) -> list[bytes]:
    """The ink of each row of LINES_STRIPS vertical strips of `ink` (0..255 each)."""
    sums = ink.resize((LINES_STRIPS, ink.height), Image.Resampling.BOX).tobytes()
    return [sums[strip::LINES_STRIPS] for strip in range(LINES_STRIPS)]


def _blank_share(profiles: list[bytes]) -> float:
    """The mean share of blank rows between the first and the last row with ink: text lines
    leave blank rows between them across their direction, hardly any along it."""
    shares = []
    for profile in profiles:
        inked = profile.strip(b"\0")
        if inked:
            blank = sum(inked) / len(inked) * BLANK
            shares.append(sum(v <= blank for v in inked) / len(inked))
    return sum(shares) / len(shares) if shares else 0.0


def _top_heavy(profiles: list[bytes]) -> bool:
    """Is there more ink above the x-height of the text lines than below it? Capitals, digits
    and ascenders reach above it more often than descenders below it, in upright text."""
    above = below = 0
    for profile in profiles:
        for line in profile.split(b"\0"):
            if len(line) >= 4:
                body = [i for i, v in enumerate(line) if v >= X_HEIGHT * max(line)]
                above += sum(line[:body[0]])
                below += sum(line[body[-1] + 1:])
    return above > below


def turn(image: Image.Image, degrees: int) -> Image.Image:
    """Rotate by a quarter turn multiple, clockwise."""
    return image.rotate(-degrees, expand=True) if degrees % 360 else image


def _sheared(strips: Image.Image, slope: float, unit: float) -> Image.Image:
    """`strips` with each column moved up by `slope` times its distance from the left edge
    (`unit` rows per column): lines sloping down by `slope` come out level. For the few degrees
    of a scan's skew, as good as a rotation for measuring it, at a fraction of the cost."""
    shifts = [round(-slope * unit * (x + 0.5)) for x in range(strips.width)]
    low = min(shifts)
    return strips.transform((strips.width, strips.height + max(shifts) - low),
                            Image.Transform.AFFINE, (1, 0, 0, slope * unit, 1, low),
                            Image.Resampling.NEAREST, fillcolor=0)


def _sharpness(strips: Image.Image, unit: float, angle: float) -> float:
    """How sharply the rows of ink stand out once the strips are sheared by `angle` degrees."""
    sheared = _sheared(strips, math.tan(math.radians(angle)), unit)
    rows = sheared.resize((1, sheared.height), Image.Resampling.BOX)
    return ImageStat.Stat(rows).var[0]


def skew(image: Image.Image) -> float:
    """The angle (degrees, counter-clockwise) that makes text lines horizontal.

    The ink of each of SKEW_STRIPS vertical strips is summed by row once; an angle is tried by
    shearing those sums rather than by rotating the image.
    """
    factor = max(1, image.width // PROFILE_WIDTH)
    rows = max(1, factor // 2)  # twice as fine across the lines as along them
    ink = _dark(image, (factor, rows))
    if ink.getbbox() is None:
        return 0.0
    strips = ink.resize((SKEW_STRIPS, ink.height), Image.Resampling.BOX)
    unit = image.width / SKEW_STRIPS / rows

    def sharpest(angles: Iterable[float]) -> float:
        return max(angles, key=lambda a: _sharpness(strips, unit, a))

    steps = round(SKEW_RANGE / SKEW_STEP)
    coarse = sharpest(i * SKEW_STEP for i in range(-steps, steps + 1))
    fine = round(SKEW_STEP / SKEW_FINE)
    return sharpest(coarse + i * SKEW_FINE for i in range(-fine, fine + 1))


class Straightened:
    """An image rotated so its text lines run level (expanded, white filling the corners, as
    `Image.rotate` makes it), made a band of rows at a time: auto reads a third of a page first,
    and rotating a whole 300 DPI page took 60 ms here."""

    def __init__(self, image: Image.Image) -> None:
        self._image = image
        angle = skew(image)
        self._whole: Image.Image | None = None
        if abs(angle) < SKEW_MIN:
            self._whole = image
            self.width, self.height = image.size
        else:
            self._matrix, (self.width, self.height) = _rotation(angle, image.size)

    @property
    def whole(self) -> Image.Image:
        if self._whole is None:
            self._whole = self.region(0, 0, self.width, self.height)
        return self._whole

    def rows(self, top: int, bottom: int) -> Image.Image:
        return self.region(0, top, self.width, bottom)

    def region(self, left: int, top: int, right: int, bottom: int) -> Image.Image:
        """A box of the straightened image, made alone unless the whole was made."""
        if self._whole is not None:
            return self._whole.crop((left, top, right, bottom))
        a, b, c, d, e, f = self._matrix
        return self._image.transform((right - left, bottom - top), Image.Transform.AFFINE,
                                     (a, b, c + a * left + b * top, d, e, f + d * left + e * top),
                                     Image.Resampling.BILINEAR, fillcolor=255)


Matrix = tuple[float, float, float, float, float, float]


def _rotation(angle: float, size: tuple[int, int]) -> tuple[Matrix, tuple[int, int]]:
    """Image.rotate's affine matrix and size for `angle` degrees (expanded): pixel (x, y) of the
    result is pixel `_apply(matrix, x, y)` of the image."""
    radians = -math.radians(angle)
    cos, sin = round(math.cos(radians), 15), round(math.sin(radians), 15)
    width, height = size
    about_centre = (cos, sin, 0.0, -sin, cos, 0.0)
    x, y = _apply(about_centre, -width / 2, -height / 2)
    about_centre = (cos, sin, x + width / 2, -sin, cos, y + height / 2)
    corners = [_apply(about_centre, x, y) for x, y in ((0, 0), (width, 0), size, (0, height))]
    expanded = (math.ceil(max(x for x, _ in corners)) - math.floor(min(x for x, _ in corners)),
                math.ceil(max(y for _, y in corners)) - math.floor(min(y for _, y in corners)))
    x, y = _apply(about_centre, (width - expanded[0]) / 2, (height - expanded[1]) / 2)
    return (cos, sin, x, -sin, cos, y), expanded


def _apply(matrix: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return a * x + b * y + c, d * x + e * y + f


def quiet_row(rows: Image.Image, target: int) -> int:
    """The row of `rows` with the least ink, the nearest to row `target` of those: a cut
    between text lines."""
    ink = rows.resize((1, rows.height), Image.Resampling.BOX).tobytes()
    return max(range(rows.height), key=lambda y: (ink[y], -abs(y - target)), default=target)
