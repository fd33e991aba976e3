"""Tesseract, the one OCR engine (through pytesseract): words with pixel boxes and confidences
from a page image.

Every run is one `tesseract` process on an uncompressed PGM in a temporary folder (pytesseract
handed a PIL image writes a PNG first, which costs more than the OCR of a small region),
single-threaded (`OMP_THREAD_LIMIT=1`: on a busy server threads only contend), writing TSV and
hOCR in the same run; the TSV's words get their line's text body from the hOCR.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytesseract
import regex
from PIL import Image

from extractor.errors import DependencyMissing, MalformedDocument, TooLarge
from extractor.settings import Settings

os.environ["OMP_THREAD_LIMIT"] = "1"  # inherited by every Tesseract this process starts
_ROTATE = regex.compile(r"^Rotate:\s*(\d+)", regex.MULTILINE)
_ORIENTATION_CONF = regex.compile(r"^Orientation confidence:\s*([\d.]+)", regex.MULTILINE)
MIN_OSD_CONFIDENCE = 2.0  # Tesseract's own advice: below this the orientation is a guess
PAGE_PSM = 3  # Tesseract's page segmentation with its layout analysis (blocks, columns)
_HOCR_LINE = regex.compile(
    r"class='ocr_(?:line|caption|header|textfloat)'[^>]*title=\"bbox (\d+) (\d+) (\d+) (\d+); "
    r"baseline ([-\d.]+) ([-\d.]+); x_size ([\d.]+)")
ASCENT, DESCENT = 0.8, 0.25  # of hOCR's x_size (about the font size): a text body's extent
RUN_OBSERVERS: list[Callable[[float], None]] = []  # told each run's seconds (service metrics)


@dataclass(frozen=True, slots=True)
class OcrWord:
    """One recognised word: pixel box (left, top, right, bottom), confidence in 0..1, and the
    top and bottom of its line's text body where it stands (ascender to descender, like a text
    layer's boxes)."""

    text: str
    left: int
    top: int
    right: int
    bottom: int
    conf: float
    body_top: int
    body_bottom: int
    slope: float  # of its line's baseline (down per across: a page still a little askew)


def package(language: str) -> str:
    """The Debian package that ships a Tesseract language ("chi_sim" -> tesseract-ocr-chi-sim)."""
    return "tesseract-ocr-" + language.lower().replace("_", "-")


def _missing(command: str) -> DependencyMissing:
    return DependencyMissing(f"Tesseract ({command}) is not installed: install the Debian "
                             "package tesseract-ocr")


@lru_cache(maxsize=8)
def _languages(command: str) -> frozenset[str]:
    try:
        done = subprocess.run([command, "--list-langs"], capture_output=True, text=True,
                              timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise _missing(command) from exc
    return frozenset(line.strip() for line in done.stdout.splitlines()[1:] if line.strip())


def require(settings: Settings, languages: str) -> None:
    """Raise DependencyMissing naming the package for Tesseract or any missing language."""
    installed = _languages(settings.tesseract_cmd)
    missing = [code for code in languages.split("+") if code not in installed]
    if missing:
        packages = " ".join(package(code) for code in missing)
        raise DependencyMissing(f"Tesseract language data {'+'.join(missing)} is not installed: "
                                f"install the Debian package(s) {packages}")


@contextmanager
def _tesseract(settings: Settings) -> Iterator[None]:
    """pytesseract on the configured command, its failures as this project's errors."""
    pytesseract.pytesseract.tesseract_cmd = settings.tesseract_cmd
    started = time.monotonic()
    try:
        yield
    except pytesseract.TesseractNotFoundError as exc:
        raise _missing(settings.tesseract_cmd) from exc
    except pytesseract.TesseractError as exc:
        raise MalformedDocument(f"OCR failed: {str(exc.message).strip()[-200:]}") from exc
    except RuntimeError as exc:
        if "timeout" not in str(exc):
            raise
        raise TooLarge(f"OCR of a page took longer than {settings.ocr_timeout:.0f} s") from exc
    finally:
        for observe in RUN_OBSERVERS:
            observe(time.monotonic() - started)


@contextmanager
def _pgm(image: Image.Image) -> Iterator[Path]:
    """`image` as an uncompressed grayscale PGM in a temporary folder (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="custid-ocr-") as folder:
        path = Path(folder) / "page.pgm"
        image.convert("L").save(path, format="PPM")
        yield path


def first_language(settings: Settings) -> str:
    """The first configured language: the one quick looks read in."""
    return settings.ocr_languages.split("+")[0]


def _reading_languages(settings: Settings, wanted: Collection[str]) -> str:
    """The configured languages among `wanted`, or all of them when none is: each language
    Tesseract loads costs time (on 2 cores here, 0.07 s to start in eng, 0.17 s in
    eng+deu+fra), and each makes it try other readings of doubtful words."""
    configured = settings.ocr_languages.split("+")
    return "+".join([language for language in configured if language in wanted] or configured)


def words(image: Image.Image, settings: Settings, dpi: int, psm: int = PAGE_PSM,
          whitelist: str = "", quick: bool = False,
          languages: Collection[str] = ()) -> list[OcrWord]:
    """Words Tesseract reads on `image` in page segmentation mode `psm`.

    `whitelist` restricts the characters it may read (for re-reading one value); `quick` reads
    in the first configured language only, which loads and runs several times faster; else
    the configured ones among `languages`, or all configured ones.
    """
    require(settings, settings.ocr_languages)
    config = f"--psm {psm} --dpi {dpi} -c tessedit_create_tsv=1"
    if whitelist:
        config += f" -c tessedit_char_whitelist={whitelist}"
    reading = _reading_languages(settings, [first_language(settings)] if quick else languages)
    with _pgm(image) as path, _tesseract(settings):
        base = path.with_name("out")
        pytesseract.pytesseract.run_tesseract(str(path), str(base), "tsv hocr", reading, config,
                                              timeout=settings.ocr_timeout)
        tsv, hocr = (base.with_suffix(f".{o}").read_text(encoding="utf-8")
                     for o in ("tsv", "hocr"))
    return parse_tsv(tsv, line_bodies(hocr))


@dataclass(frozen=True, slots=True)
class _Line:
    """A text line of the hOCR: its baseline (y at x = left, and slope) and its text size."""

    left: int
    baseline: float
    slope: float
    size: float

    def body(self, x: float) -> tuple[int, int]:
        """Top and bottom of the text body at `x`."""
        baseline = self.baseline + self.slope * (x - self.left)
        return round(baseline - ASCENT * self.size), round(baseline + DESCENT * self.size)


def line_bodies(hocr: str) -> dict[tuple[int, int, int, int], _Line]:
    """Each text line's box (left, top, right, bottom) -> its baseline and text size.

    A word's body is a text layer's notion of its height: from ascender height to descender
    depth, whatever letters the line has; hOCR gives each line's baseline and text size.
    """
    lines = {}
    for m in _HOCR_LINE.finditer(hocr):
        left, top, right, bottom = (int(v) for v in m.group(1, 2, 3, 4))
        # the baseline's offset is taken at the line's left end, from its bottom
        lines[left, top, right, bottom] = _Line(left, bottom + float(m[6]), float(m[5]),
                                                float(m[7]))
    return lines


def parse_tsv(tsv: str, lines: dict[tuple[int, int, int, int], _Line]) -> list[OcrWord]:
    """Word rows (level 5) of Tesseract's TSV, blanks dropped, each with its line's body where
    it stands and its line's slope (`lines` by line box; the line box, level, where unknown)."""
    found = []
    line: _Line | None = None
    line_box = (0, 0)
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) != 12:
            continue
        left, top, width, height = (int(c) for c in cells[6:10])
        if cells[0] == "4":
            line, line_box = lines.get((left, top, left + width, top + height)), (top, top + height)
        elif cells[0] == "5" and cells[11].strip():
            body = line.body(left + width / 2) if line else line_box
            found.append(OcrWord(cells[11].strip(), left, top, left + width, top + height,
                                 max(float(cells[10]), 0.0) / 100, *body,
                                 slope=line.slope if line else 0.0))
    return found


def rotation(image: Image.Image, settings: Settings, dpi: int) -> int:
    """Degrees to turn `image` clockwise so its text stands upright (0 when unsure)."""
    require(settings, "osd")
    try:
        with _pgm(image) as path, _tesseract(settings):
            osd = pytesseract.image_to_osd(str(path), config=f"--dpi {dpi}",
                                           timeout=settings.ocr_timeout)
    except MalformedDocument:  # too few characters to tell
        return 0
    turn, conf = _ROTATE.search(osd), _ORIENTATION_CONF.search(osd)
    if not turn or not conf or float(conf[1]) < MIN_OSD_CONFIDENCE:
        return 0  # no clear answer
    return int(turn[1]) % 360
