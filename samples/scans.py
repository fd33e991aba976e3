"""Scanned and photographed versions of generated documents, labeled like the originals.

    python -m samples.scans OUT --count N --seed S

renders each generated PDF (samples.generator) with pypdfium2 at 150-300 DPI, degrades it as a
scanner or a phone camera would (skew, noise, blur, low contrast, JPEG artefacts, perspective,
a few pages on their side) and writes it as a PDF without text layer, PNG, JPEG, TIFF or WebP;
some multi-page documents become mixed PDFs (some pages text, some scanned). OUT/labels.jsonl
has the generator's format plus the scan's `format` and `style`. A few scans have one value
smeared beyond reading on purpose; that value is dropped from `expected`.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageFilter, ImageOps

from samples.generator import generate, write_labels

FORMATS = ("pdf", "png", "jpeg", "tiff", "webp")
SUFFIX = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg", "tiff": ".tif", "webp": ".webp"}
MULTI_PAGE_FORMATS = ("pdf", "tiff", "mixed")
NOISE_TILE = 256


@dataclass(frozen=True)
class Style:
    """How one document is scanned (or photographed)."""

    dpi: int = 200
    angle: float = 0.0  # skew, degrees counter-clockwise
    quarter: int = 0  # 0, 90 or 270: fed in sideways
    noise: float = 0.0  # sigma of Gaussian noise, in grey levels
    blur: float = 0.0  # radius in pixels
    low: int = 0  # the grey black is printed as...
    high: int = 255  # ...and white
    quality: int = 85  # JPEG quality, where JPEG-compressed
    gray: bool = False  # a grayscale scanner
    photo: bool = False  # a phone photo: perspective, uneven light, desk around, EXIF rotation


def draw_style(rng: random.Random) -> Style:
    """A mostly mild, sometimes rough scan; a few photos and pages on their side."""
    photo = rng.random() < 0.12
    rough = rng.random() < 0.25
    return Style(
        dpi=rng.choice((150, 200, 200, 240, 300)),
        angle=round(rng.uniform(-3, 3), 2) if rng.random() < 0.7 else 0.0,
        quarter=rng.choice((90, 270)) if rng.random() < 0.06 else 0,
        noise=round(rng.uniform(4, 14) if rough else rng.uniform(0, 5), 1),
        blur=round(rng.uniform(0.5, 1.1) if rough else rng.uniform(0, 0.6), 2),
        low=rng.randint(40, 90) if rng.random() < 0.2 else 0,
        high=rng.randint(200, 235) if rng.random() < 0.2 else 255,
        quality=rng.randint(35, 60) if rough else rng.randint(60, 92),
        gray=rng.random() < 0.5,
        photo=photo,
    )


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _value_boxes(page: pdfium.PdfPage, values: tuple[str, ...]) -> list[Box]:
    """Boxes (points, top-left origin) where `values` are printed on a text-layer page."""
    textpage = page.get_textpage()
    height = page.get_height()
    boxes: list[Box] = []
    try:
        for value in values:
            searcher = textpage.search(value, match_case=True, match_whole_word=False)
            while (hit := searcher.get_next()) is not None:
                for i in range(textpage.count_rects(*hit)):
                    left, bottom, right, top = textpage.get_rect(i)
                    boxes.append((left, height - top, right, height - bottom))
            searcher.close()
    finally:
        textpage.close()
    return boxes


def _smear(image: Image.Image, boxes: list[Box], scale: float) -> Image.Image:
    """Blur each box (points) far beyond reading."""
    for box in boxes:
        pad = (box[3] - box[1]) * 0.4
        left, top, right, bottom = (round(v * scale) for v in (box[0] - pad, box[1] - pad,
                                                               box[2] + pad, box[3] + pad))
        region = image.crop((left, top, right, bottom))
        image.paste(region.filter(ImageFilter.BoxBlur(round((bottom - top) * 0.8))), (left, top))
    return image


def _contrast(image: Image.Image, style: Style) -> Image.Image:
    if (style.low, style.high) == (0, 255):
        return image
    span = (style.high - style.low) / 255
    return image.point(lambda v: round(style.low + v * span))


def _noise(image: Image.Image, sigma: float, rng: random.Random) -> Image.Image:
    """Gaussian noise from the seeded generator (a tile of it, repeated over the page)."""
    if sigma <= 0:
        return image
    gauss = statistics.NormalDist(128, sigma)
    table = [min(255, max(0, round(gauss.inv_cdf((v + 0.5) / 256)))) for v in range(256)]
    tile = Image.frombytes("L", (NOISE_TILE, NOISE_TILE), rng.randbytes(NOISE_TILE ** 2))
    noise = Image.new("L", image.size)
    for x in range(0, image.width, NOISE_TILE):
        for y in range(0, image.height, NOISE_TILE):
            noise.paste(tile.point(table), (x, y))
    channels = [ImageChops.add(band, noise, offset=-128) for band in image.split()]
    return Image.merge(image.mode, channels)


def _photo(image: Image.Image, rng: random.Random) -> Image.Image:
    """The page on a desk, shot at a slant under uneven light."""
    margin = round(image.width * 0.06)
    desk = tuple(rng.randint(60, 140) for _ in range(3))
    framed = ImageOps.expand(image.convert("RGB"), margin, fill=desk)
    w, h = framed.size

    def jitter() -> float:
        return rng.uniform(-0.035, 0.035) * w

    quad = (jitter(), jitter(), jitter(), h + jitter(), w + jitter(), h + jitter(), w + jitter(),
            jitter())
    shot = framed.transform((w, h), Image.Transform.QUAD, quad, Image.Resampling.BICUBIC,
                            fillcolor=desk)
    dim, x, y = rng.uniform(0.15, 0.35), rng.randint(0, 96), rng.randint(0, 96)
    light = Image.radial_gradient("L").crop((x, y, x + 160, y + 160)).resize((w, h))
    light = light.point(lambda v: round(255 - v * dim))  # a lamp off to one side
    return ImageChops.multiply(shot, Image.merge("RGB", [light] * 3))


def degrade(image: Image.Image, style: Style, rng: random.Random) -> Image.Image:
    """A clean page render as the scanner or camera of `style` would deliver it."""
    image = image.convert("L" if style.gray else "RGB")
    if style.photo:
        image = _photo(image, rng)
    if style.angle:
        fill = "white" if image.mode == "RGB" else 255
        image = image.rotate(style.angle, Image.Resampling.BICUBIC, expand=True, fillcolor=fill)
    if style.quarter:
        image = image.rotate(style.quarter, expand=True)
    if style.blur:
        image = image.filter(ImageFilter.GaussianBlur(style.blur))
    return _noise(_contrast(image, style), style.noise, rng)


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def _pdf(pages: list[Image.Image | int], style: Style, text_pdf: bytes) -> bytes:
    """A PDF of scanned pages (JPEG images); an int in `pages` keeps that text-layer page."""
    source = pdfium.PdfDocument(text_pdf)
    out = pdfium.PdfDocument.new()
    for page in pages:
        if isinstance(page, int):
            out.import_pages(source, [page])
            continue
        width, height = (v * 72 / style.dpi for v in page.size)
        sheet = out.new_page(width, height)
        picture = pdfium.PdfImage.new(out)
        picture.load_jpeg(io.BytesIO(_jpeg(page, style.quality)), inline=True)
        picture.set_matrix(pdfium.PdfMatrix().scale(width, height))
        sheet.insert_obj(picture)
        sheet.gen_content()
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def encode(pages: list[Image.Image], fmt: str, style: Style, text_pdf: bytes,
           rng: random.Random) -> bytes:
    """The scanned pages as a file of `fmt`; "mixed" keeps every other page's text layer."""
    if fmt in ("pdf", "mixed"):
        keep = rng.randrange(2) if fmt == "mixed" else -1
        return _pdf([i if i % 2 == keep else p for i, p in enumerate(pages)], style, text_pdf)
    out = io.BytesIO()
    first = pages[0]
    if fmt == "jpeg" and style.photo:
        exif = Image.Exif()
        exif[0x0112] = 6  # "turn 90 degrees clockwise to show": a phone held upright
        first.rotate(90, expand=True).save(out, format="JPEG", quality=style.quality, exif=exif)
    elif fmt == "jpeg":
        first.save(out, format="JPEG", quality=style.quality, dpi=(style.dpi, style.dpi))
    elif fmt == "tiff":
        first.save(out, format="TIFF", save_all=True, append_images=pages[1:],
                   compression="jpeg", quality=style.quality, dpi=(style.dpi, style.dpi))
    elif fmt == "webp":
        first.save(out, format="WEBP", quality=style.quality)
    else:
        first.save(out, format="PNG", dpi=(style.dpi, style.dpi))
    return out.getvalue()


def scan(text_pdf: bytes, style: Style, rng: random.Random,
         smear: tuple[str, ...] = ()) -> list[Image.Image]:
    """Every page of a text-layer PDF, rendered and degraded; the `smear` values made unreadable."""
    pdf = pdfium.PdfDocument(text_pdf)
    pages = []
    for index in range(len(pdf)):
        page = pdf[index]
        scale = style.dpi / 72
        image = page.render(scale=scale).to_pil()
        image = _smear(image, _value_boxes(page, smear), scale) if smear else image
        pages.append(degrade(image, style, rng))
    return pages


def scan_file(text_pdf: bytes, fmt: str, style: Style, seed: int = 0) -> bytes:
    """One document scanned with `style` and written as `fmt` (tests use this)."""
    rng = random.Random(seed)
    return encode(scan(text_pdf, style, rng), fmt, style, text_pdf, rng)


def _format(rng: random.Random, pages: int) -> str:
    if pages > 1:
        return rng.choice(MULTI_PAGE_FORMATS)
    return rng.choices(FORMATS, weights=(30, 20, 20, 15, 15))[0]


def generate_scans(out_dir: Path, count: int, seed: int) -> list[dict]:
    """Write `count` scans (scan-00001.pdf/.png/.jpg/.tif/.webp) and out_dir/labels.jsonl."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    records = []
    with tempfile.TemporaryDirectory(prefix="custid-scans-") as folder:
        for index, base in enumerate(generate(Path(folder), count, seed), 1):
            rng = random.Random(f"{seed}-{index}")
            text_pdf = (Path(folder) / base["file"]).read_bytes()
            style = draw_style(rng)
            fmt = _format(rng, len(pdfium.PdfDocument(text_pdf)))
            expected = list(base["expected"])
            smear = (expected.pop(rng.randrange(len(expected)))["value"],) \
                if expected and fmt != "mixed" and rng.random() < 0.04 else ()  # (mixed PDFs
            pages = scan(text_pdf, style, rng, smear)  # keep text pages, values and all)
            name = f"scan-{index:05d}{SUFFIX.get(fmt, '.pdf')}"
            (out_dir / name).write_bytes(encode(pages, fmt, style, text_pdf, rng))
            records.append({**base, "file": name, "expected": expected, "format": fmt,
                            "style": asdict(style), "smeared": smear})
    write_labels(out_dir, records)
    return records


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m samples.scans", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="output directory")
    parser.add_argument("--count", type=int, default=100, help="number of documents")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    args = parser.parse_args(argv)
    records = generate_scans(args.out, args.count, args.seed)
    print(f"wrote {len(records)} scans to {args.out}")


if __name__ == "__main__":
    main()
