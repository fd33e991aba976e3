"""OCR of scans, photos and images, with the real Tesseract."""

from __future__ import annotations

import io
import json
import struct
import time
import zlib
from dataclasses import replace
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops
from typer.testing import CliRunner

from extractor import evidence
from extractor.cli.main import app
from extractor.document.page import Page
from extractor.document.result import DocumentResult
from extractor.document.word import Word
from extractor.match.pairing import MAX_BELOW
from extractor.match.refine import Refiner, digits_for_confusables
from extractor.match.values import normalize
from extractor.pipeline import CONFIDENT, Extractor
from extractor.read import images, tesseract
from extractor.read.scan import Scan
from extractor.read.strategy import _replaced
from extractor.settings import Settings
from samples.generator import generate
from samples.scans import Style, scan_file
from tests.pages import page_of, pdf_of

MILD = Style(dpi=200, angle=1.2, noise=3.0, blur=0.3, quality=80)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    folder = tmp_path_factory.mktemp("generated")
    return folder, generate(folder, 24, seed=5)


def _pick(corpus: tuple[Path, list[dict]], pages: int) -> tuple[bytes, set[str]]:
    """A generated document of `pages` pages with one number to find, and that number."""
    folder, records = corpus
    for record in records:
        data = (folder / record["file"]).read_bytes()
        if len(record["expected"]) == 1 and len(pdfium.PdfDocument(data)) == pages:
            return data, {normalize(e["value"]) for e in record["expected"]}
    raise AssertionError(f"no {pages}-page document with one number in the corpus")


def _found(result: DocumentResult) -> set[str]:
    assert result.error is None, result.error
    return {f.normalized for f in result.findings}


def test_scanned_bill_finds_its_number(corpus, extractor: Extractor) -> None:
    pdf, expected = _pick(corpus, 1)
    scan = scan_file(pdf, "pdf", MILD)
    assert pdfium.PdfDocument(scan)[0].get_textpage().get_text_range().strip() == ""
    result = extractor.extract_bytes(scan, "scan.pdf")
    assert result.text_source == "ocr"
    assert _found(result) == expected
    assert all(0.5 <= f.confidence <= 1 for f in result.findings)


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_image_types(corpus, extractor: Extractor, fmt: str) -> None:
    pdf, expected = _pick(corpus, 1)
    result = extractor.extract_bytes(scan_file(pdf, fmt, MILD), f"scan.{fmt}")
    assert (result.pages, result.text_source) == (1, "ocr")
    assert _found(result) == expected


def test_multi_page_tiff(corpus, extractor: Extractor) -> None:
    pdf, expected = _pick(corpus, 2)
    data = scan_file(pdf, "tiff", MILD)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    result = extractor.extract_bytes(data, "scan.tif")
    assert result.pages == 2
    assert _found(result) == expected


def test_phone_photo_turned_by_exif(corpus, extractor: Extractor) -> None:
    pdf, expected = _pick(corpus, 1)
    photo = Style(dpi=200, angle=-1.0, noise=2.0, quality=85, photo=True)
    assert _found(extractor.extract_bytes(scan_file(pdf, "jpeg", photo, seed=3), "p.jpg")) \
        == expected


def test_mixed_pdf(corpus, extractor: Extractor) -> None:
    pdf, expected = _pick(corpus, 2)
    result = extractor.extract_bytes(scan_file(pdf, "mixed", MILD), "mixed.pdf")
    assert result.text_source == "mixed"
    assert _found(result) == expected


def test_image_without_text(extractor: Extractor, tmp_path: Path) -> None:
    path = tmp_path / "blank.png"
    Image.new("L", (1700, 2200), 235).save(path, dpi=(200, 200))
    result = extractor.extract_path(path)
    assert result.error is None
    assert (result.pages, result.text_source, result.findings) == (1, "ocr", [])


def test_corrupt_image_is_malformed(extractor: Extractor) -> None:
    good = Image.new("RGB", (400, 300), "white")
    buffer = io.BytesIO()
    good.save(buffer, format="JPEG")
    truncated = buffer.getvalue()[:300]
    assert extractor.extract_bytes(truncated, "bad.jpg").error.code == "malformed"
    assert extractor.extract_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "bad.png").error.code \
        == "malformed"


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims `width` x `height` pixels and carries (almost) none."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + \
        chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_huge_image_is_too_large_before_decoding(extractor: Extractor) -> None:
    start = time.perf_counter()
    for width, height in ((100_000, 100_000), (12_000, 8_000)):  # over PIL's bomb limit; ours
        result = extractor.extract_bytes(_png_header(width, height), "huge.png")
        assert result.error is not None and result.error.code == "too_large"
    assert time.perf_counter() - start < 2


def test_ocr_off_refuses_a_scan(corpus, tmp_path: Path) -> None:
    pdf, _ = _pick(corpus, 1)
    path = tmp_path / "scan.pdf"
    path.write_bytes(scan_file(pdf, "pdf", MILD))
    run = CliRunner().invoke(app, ["extract", "--ocr", "off", "--json", str(path)])
    assert run.exit_code == 2
    assert json.loads(run.stdout)["error"]["code"] == "needs_ocr"


def test_missing_tesseract_names_the_package(corpus) -> None:
    pdf, _ = _pick(corpus, 1)
    scan = scan_file(pdf, "png", MILD)
    missing = Extractor(Settings(tesseract_cmd="/nonexistent/tesseract"))
    error = missing.extract_bytes(scan, "scan.png").error
    assert error is not None and error.code == "dependency_missing"
    assert "tesseract-ocr" in error.message
    language = Extractor(Settings(ocr_languages="eng+xyz")).extract_bytes(scan, "scan.png").error
    assert language is not None and language.code == "dependency_missing"
    assert "tesseract-ocr-xyz" in language.message


def test_confusables_become_digits_only_between_digits() -> None:
    assert digits_for_confusables("55O1234") == "5501234"
    assert digits_for_confusables("12I4S6B8") == "12145688"
    assert digits_for_confusables("OB12") == "OB12"  # a prefix may be letters
    assert digits_for_confusables("1234O") == "1234O"  # so may a suffix


AUTO_PAGES = {
    "top": [(60, 60, "Acme Water Ltd"), (60, 90, "Customer number: 5531207"),
            (60, 400, "Thank you for your payment.")],
    "bottom": [(60, 60, "Acme Water Ltd"), (60, 400, "Thank you for your payment."),
               (60, 700, "Customer number: 5531207")],
    "middle": [(60, 60, "Acme Water Ltd"), (60, 400, "Customer number: 5531207"),
               (60, 700, "Thank you for your payment.")],
    "no label": [(60, 60, "Acme Water Ltd"), (60, 400, "Thank you for your payment.")],
    "sure, and another read surely": [
        (60, 60, "Acme Water Ltd"), (60, 90, "Customer number: 5531207"),
        (60, 110, "Account number: 0800 123 4567"), (60, 400, "Thank you for your payment.")],
    "sure, and a doubtful same kind": [
        (60, 60, "Acme Water Ltd"), (60, 90, "Customer number: 5531207"),
        (60, 110, "Customer ID: 0800 123 4567"), (60, 400, "Thank you for your payment.")],
    "label, no value": [(60, 60, "Acme Water Ltd"), (60, 90, "Customer number:"),
                        (60, 400, "Thank you for your payment.")],
    "sure, and another without a value": [
        (60, 60, "Acme Water Ltd"), (60, 90, "Customer number: 5531207"),
        (60, 110, "Account number:"), (60, 400, "Thank you for your payment.")],
}


@pytest.mark.parametrize(("layout", "parts", "found"), [
    ("top", ["top"], {"5531207"}),
    ("middle", ["top", "middle"], {"5531207"}),
    ("bottom", ["top", "middle", "rest"], {"5531207"}),
    ("no label", ["top", "middle", "rest"], set()),
    ("sure, and another read surely", ["top"], {"5531207"}),
    ("sure, and a doubtful same kind", ["top"], {"5531207"}),
    ("label, no value", ["top", "bands", "middle", "rest"], set()),
    ("sure, and another without a value", ["top", "bands"], {"5531207"}),  # not below: read
])
def test_auto_reads_only_what_it_needs(monkeypatch: pytest.MonkeyPatch, layout: str,
                                       parts: list[str], found: set[str]) -> None:
    """Quick looks at the top, the middle, then the rest; close reads only around labels left
    open, also beside a sure finding of another kind (the second number may be misread), but
    not where label and value read surely (an account number that looks like a phone number
    reads the same again); the rest is not read for a label whose value would have been in the
    top."""
    read, read_bands, seen, languages_read = Scan.read, Scan.read_bands, [], []

    def spy(scan: Scan, part: str, quick: bool = False) -> list:
        seen.append(part)
        return read(scan, part, quick)

    def spy_bands(scan: Scan, boxes: list, languages: set) -> tuple:
        seen.append("bands")
        languages_read.append(languages)
        return read_bands(scan, boxes, languages)

    monkeypatch.setattr(Scan, "read", spy)
    monkeypatch.setattr(Scan, "read_bands", spy_bands)
    scan = scan_file(pdf_of(AUTO_PAGES[layout]), "png", MILD)
    assert _found(Extractor(Settings(ocr="auto")).extract_bytes(scan, "auto.png")) == found
    assert seen == parts
    assert all(languages == {"eng"} for languages in languages_read)  # the labels' language


def _ocr_page(rows: list[tuple[float, float, str]], conf: dict[str, float]) -> Page:
    """page_of, read by OCR: each word read as surely as `conf` says (0.95 if it does not)."""
    page = page_of(rows, source="ocr")
    return replace(page, words=[replace(w, conf=conf.get(w.text, 0.95)) for w in page.words])


@pytest.mark.parametrize(("value_conf", "read_closely"), [(0.95, False), (0.6, True)])
def test_a_value_read_surely_is_not_read_closely_again(value_conf: float,
                                                       read_closely: bool) -> None:
    matcher = Extractor(Settings()).matcher
    page = _ocr_page([(60, 90, "Account number: 0800 123 4567")],
                     {"0800": value_conf, "123": value_conf, "4567": value_conf})
    assert bool(matcher.doubtful(page, None, CONFIDENT)) == read_closely


def test_a_label_without_a_value_is_open_only_while_its_value_may_be_unread() -> None:
    matcher = Extractor(Settings()).matcher
    page = _ocr_page([(60, 90, "Customer number:")], {})
    lowest = 100 + (MAX_BELOW + 1) * 10  # its bottom, and a value's height under 3 of its own
    assert matcher.unanswered([page], None, unread=lowest)  # the cell below it is unread
    assert not matcher.unanswered([page], None, unread=lowest + 1)  # read: nothing there
    assert matcher.unanswered([replace(page, number=2)], None, unread=lowest + 1)  # page 2


@pytest.mark.parametrize(("again", "found"), [("D57921", "D57921"), ("921", "057921")])
def test_a_value_read_again_is_what_the_page_is_matched_on(again: str, found: str) -> None:
    """A doubtful value is read again, the letter its first digit may be allowed; the page is
    then matched on the new reading (its lines were made before), unless the re-read lost
    part of the value."""
    matcher = Extractor(Settings()).matcher
    page = _ocr_page([(60, 90, "Customer number: 057921")], {"057921": 0.5})
    assert page.lines  # made before the re-read, as the reader makes them
    value = next(w for w in page.words if w.text == "057921")
    alphabets = []

    def reread(box: tuple, alphabet: str) -> list[Word]:
        alphabets.append(alphabet)
        return [replace(value, text=again, conf=0.9)]

    Refiner(matcher)(page, reread)
    assert "D" in alphabets[0] and "X" not in alphabets[0]
    assert [f.value for f in matcher.match([page])] == [found]


def test_close_reads_load_the_configured_languages_asked_for() -> None:
    settings = Settings(ocr_languages="eng+deu+fra")
    assert tesseract._reading_languages(settings, {"deu"}) == "deu"
    assert tesseract._reading_languages(settings, {"fra", "eng"}) == "eng+fra"
    assert tesseract._reading_languages(settings, {"ita", ""}) == "eng+deu+fra"  # none of them


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_quarter_turns_tell_which_way_the_lines_run(degrees: int) -> None:
    """Lines running down the page are turned upright, the top-heavy way first; lines running
    across are left for the reading (and OSD) to tell upside down."""
    rows = [(60, 60 + 18 * i, f"Line {i} of a statement, Customer Number 4711-{i:04} (Berlin)")
            for i in range(30)]
    page = pdfium.PdfDocument(pdf_of(rows))[0].render(scale=200 / 72).to_pil().convert("L")
    turns = images.quarter_turns(images.turn(page, degrees), 200)
    assert turns == ((0,) if degrees in (0, 180) else ((360 - degrees) % 360, degrees))


@pytest.mark.parametrize("quarter", [90, 270])
def test_page_on_its_side_is_turned_without_osd(corpus, monkeypatch: pytest.MonkeyPatch,
                                                 quarter: int) -> None:
    """Which way the lines run is measured; Tesseract's OSD (slow) is not needed."""
    def no_osd(*_args: object) -> int:
        raise AssertionError("OSD was run")

    monkeypatch.setattr(tesseract, "rotation", no_osd)
    pdf, expected = _pick(corpus, 1)
    sideways = Style(dpi=200, angle=0.8, noise=2.0, quality=85, quarter=quarter)
    for strategy in ("auto", "full"):
        result = Extractor(Settings(ocr=strategy)).extract_bytes(
            scan_file(pdf, "png", sideways), "side.png")
        assert _found(result) == expected


def test_evidence_of_a_page_on_its_side_shows_the_value(corpus) -> None:
    """The evidence picture is cut from the page as OCR saw it: turned upright."""
    pdf, _expected = _pick(corpus, 1)
    sideways = scan_file(pdf, "png", Style(dpi=200, angle=0.8, noise=2.0, quality=85,
                                           quarter=90))
    settings = Settings()
    finding = Extractor(settings).extract_bytes(sideways, "side.png").findings[0]
    picture = Image.open(io.BytesIO(evidence.render(sideways, finding, settings)))
    shown = " ".join(w.text for w in tesseract.words(picture.convert("L"), settings, 300))
    assert finding.normalized in normalize(shown)


def test_upright_page_taken_for_one_on_its_side_is_still_read(
        corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the line profiles mislead, neither side reads, and OSD turns the page back."""
    monkeypatch.setattr(images, "quarter_turns", lambda _image, _dpi: (90, 270))
    pdf, expected = _pick(corpus, 1)
    assert _found(Extractor(Settings(ocr="auto")).extract_bytes(scan_file(pdf, "png", MILD),
                                                                "wrong.png")) == expected


def test_upside_down_page_is_turned_by_osd(corpus) -> None:
    pdf, expected = _pick(corpus, 1)
    image = Image.open(io.BytesIO(scan_file(pdf, "png", MILD))).rotate(180)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    assert _found(Extractor(Settings(ocr="auto")).extract_bytes(buffer.getvalue(), "u.png")) \
        == expected


@pytest.mark.parametrize("angle", [-3.2, -0.7, 0.0, 1.4, 4.1])
def test_skew_levels_text_lines(angle: float) -> None:
    """A page of text lines turned by `angle` degrees is measured as needing -`angle` back."""
    rows = [(60, 60 + 18 * i, f"Line {i} of a statement, customer number 4711-{i:04}")
            for i in range(30)]
    page = pdfium.PdfDocument(pdf_of(rows))[0].render(scale=200 / 72).to_pil().convert("L")
    turned = page.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    assert abs(images.skew(turned) + angle) <= 0.25


def test_a_straightened_page_is_made_a_part_at_a_time_as_rotating_it_whole() -> None:
    """Any box of the page, straightened alone, is that box of the page straightened whole."""
    rows = [(60, 60 + 18 * i, f"Line {i} of a statement, customer number 4711-{i:04}")
            for i in range(30)]
    page = pdfium.PdfDocument(pdf_of(rows))[0].render(scale=200 / 72).to_pil().convert("L")
    turned = page.rotate(-2.1, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    angle = images.skew(turned)
    whole = turned.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    straightened = images.Straightened(turned)
    box = (100, 250, 900, 400)
    assert ImageChops.difference(straightened.region(*box), whole.crop(box)).getextrema()[1] <= 1
    assert straightened.whole.size == whole.size
    assert ImageChops.difference(straightened.whole, whole).getextrema()[1] <= 1
    assert straightened.region(*box).tobytes() == straightened.whole.crop(box).tobytes()


@pytest.mark.parametrize(("first", "again", "kept"), [
    (("N27746897", 0.41), ("TN27746897", 0.30), "TN27746897"),  # a little surer: read again
    (("45699-839738", 0.73), ("4560907387", 0.53), "45699-839738"),  # clearly surer: stays
])
def test_a_close_read_wins_unless_the_quick_look_read_clearly_surer(
        first: tuple[str, float], again: tuple[str, float], kept: str) -> None:
    quick = Word(first[0], 447, 140, 505, 153, 13, conf=first[1])
    close = Word(again[0], 447, 141, 505, 153, 12, conf=again[1])
    assert [w.text for w in _replaced([quick], [close])] == [kept]


def test_auto_reads_closely_what_the_quick_look_could_not_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With nothing sure on page 1, auto reads closely, in the quick look's language, the lines
    of words it could not read at all ("cee EAL TREE" for a label beside a name), but only in
    the upper half of the page; what it reads there is matched."""
    legible = [Word(text, x, 52, x + 90, 64, 12, conf=0.95)
               for x, text in ((60, "Verix"), (160, "Telecom"), (260, "Maandfactuur"))]
    garbled = [Word("Lotte", 60, 112, 90, 124, 12, conf=0.97),
               Word("cee", 300, 112, 320, 124, 12, conf=0.0),
               Word("EAL", 325, 112, 345, 124, 12, conf=0.0)]
    footer = [Word("Rromdband", 60, 780, 110, 790, 10, conf=0.01)]
    label = [Word("Accountnummer", 300, 112, 380, 124, 12, conf=0.95),
             Word("CU-2138-DJ", 385, 112, 440, 124, 12, conf=0.95)]
    read_parts, bands_read = [], []

    def read(scan: Scan, part: str, quick: bool = False) -> list[Word]:
        read_parts.append(part)
        scan.unread = {"top": 250.0, "middle": 500.0}.get(part, float("inf"))
        return {"top": legible + garbled, "middle": []}.get(part, footer)

    def read_bands(scan: Scan, spans: list, languages: set) -> tuple:
        bands_read.append((spans, languages))
        return spans, label

    monkeypatch.setattr(Scan, "read", read)
    monkeypatch.setattr(Scan, "read_bands", read_bands)
    blank = io.BytesIO()
    Image.new("L", (1700, 2200), 255).save(blank, format="PNG", dpi=(200, 200))
    result = Extractor(Settings(ocr="auto")).extract_bytes(blank.getvalue(), "bill.png")
    assert _found(result) == {"CU2138DJ"}
    assert read_parts == ["top", "middle", "rest"]
    [(spans, languages)] = bands_read
    assert languages == {"eng"}
    assert [(round(top), round(bottom)) for top, bottom in spans] == [(100, 136), (100, 136)]


def test_a_close_read_replaces_a_doubtful_word_but_not_the_line_above() -> None:
    """A value read again surely replaces its doubtful first reading, though its text body
    touches a sure word of the line above; that word stays."""
    above = Word("0800-6119", 160, 238.8, 204, 253.2, 14, conf=0.97)
    doubtful = Word("1TN49006343", 155, 255.5, 216, 266.6, 11, conf=0.33)
    again = Word("TN49006343", 159, 252.5, 214, 266.2, 14, conf=0.92)
    assert _replaced([above, doubtful], [again]) == [above, again]
