"""A corpus of hostile and broken inputs, generated: (file name, bytes, expected error codes)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

from tests.pages import pdf_of

GOOD = pdf_of([(50, 80, "Customer No: 48213-7751")])


def raw_pdf(pages: list[bytes], media_box: str = "0 0 612 792") -> bytes:
    """A PDF whose pages have the given content streams (already encoded, with their dict)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
                   b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(len(pages))), len(pages)),
               b"<< /S /JavaScript /JS (app.launchURL\\('http://127.0.0.1:9/'\\);) >>"]
    for index, stream in enumerate(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [%s] /Contents %d 0 R "
                       b"/Annots [<< /Subtype /Link /Rect [0 0 9 9] /A << /S /URI "
                       b"/URI (http://127.0.0.1:9/) >> >>] >>"
                       % (media_box.encode(), 5 + 2 * index))
        objects.append(stream)
    out, offsets = b"%PDF-1.7\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)


def stream(data: bytes, flate: bool = False) -> bytes:
    if flate:
        data = zlib.compress(data, 9)
    head = b"<< /Length %d%s >>" % (len(data), b" /Filter /FlateDecode" if flate else b"")
    return head + b"\nstream\n" + data + b"\nendstream"


def flate_bomb(megabytes: int) -> bytes:
    """A one-page PDF whose content stream inflates to `megabytes` MB of spaces."""
    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    data = b"".join(packer.compress(chunk) for _ in range(megabytes)) + packer.flush()
    return raw_pdf([b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data
                    + b"\nendstream"])


def png_header(width: int, height: int) -> bytes:
    """A PNG claiming width x height pixels, with a few bytes of image data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")


def email_parts(count: int) -> bytes:
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i
                     for i in range(count))
    return (b"From: a@example.com\r\nSubject: many\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + parts + b"--b--\r\n")


def email_nested(depth: int) -> bytes:
    head = b"From: a@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    body = b"".join(b"Content-Type: multipart/mixed; boundary=n%d\r\n\r\n--n%d\r\n" % (i, i)
                    for i in range(depth))
    return head + body + b"Content-Type: text/plain\r\n\r\nCustomer No: 1\r\n"


def jpeg_lie() -> bytes:
    """A PNG's bytes behind a JPEG's magic number."""
    buffer = io.BytesIO()
    Image.new("L", (50, 50), 255).save(buffer, "PNG")
    return b"\xff\xd8\xff\xe0" + buffer.getvalue()


def corpus() -> list[tuple[str, bytes, set[str]]]:
    """(upload name, bytes, the error codes that are right for it)."""
    blank = stream(b"BT ET")
    return [
        ("truncated.pdf", GOOD[: len(GOOD) // 2], {"malformed"}),
        ("corrupt.pdf", GOOD[:200] + bytes(range(256)) * 20, {"malformed"}),
        ("encrypted.pdf", pdf_of([(50, 80, "Customer No: 1")], encrypt="secret"), {"encrypted"}),
        ("pages.pdf", raw_pdf([blank] * 3000), {"too_large"}),
        ("huge-page.pdf", raw_pdf([blank], "0 0 200000 200000"), {"too_large"}),
        ("flate-bomb.pdf", flate_bomb(1200), {"too_large"}),
        ("30000px.png", png_header(30000, 30000), {"too_large"}),
        ("lying.jpg", jpeg_lie(), {"malformed"}),
        ("image-as.pdf", png_header(40, 40), {"malformed", "needs_ocr"}),
        ("empty.pdf", b"", {"empty"}),
        ("junk.pdf", bytes(range(1, 256)) * 40, {"unsupported_type"}),
        ("thousand-parts.eml", email_parts(1000), {"too_large"}),
        ("nested.eml", email_nested(5000), {"malformed", "too_large"}),
        ("../../etc/passwd", b"\x7fELF\x02\x01\x01" + bytes(500), {"unsupported_type"}),
        ("caf\udcc3.pdf".encode("utf-8", "surrogateescape").decode("latin-1"), b"\x00" * 10,
         {"unsupported_type", "empty"}),
    ]
