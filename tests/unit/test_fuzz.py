"""Fuzzing (hypothesis, bounded): the PDF, image and email readers and the pattern loader raise
only typed CustidErrors, and return in time."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from extractor.errors import CustidError
from extractor.match.packs import load_file
from extractor.read.sniff import DocType
from extractor.read.strategy import read_document
from extractor.settings import Settings
from tests.hostile import GOOD

SETTINGS = Settings(ocr="off", max_pages=20, max_email_parts=50)
FUZZ = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (40, 30), 200).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()
EMAIL = (b"From: Acme <billing@acme.example>\r\nSubject: Bill\r\nMIME-Version: 1.0\r\n"
         b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/html\r\n\r\n"
         b"<table><tr><td>Customer No</td><td>48213-7751</td></tr></table>\r\n--x\r\n"
         b"Content-Type: message/rfc822\r\n\r\nFrom: a@b.c\r\n\r\nhi\r\n--x--\r\n")


def mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    """`seed` with a few byte ranges overwritten, cut short, or spliced with random bytes."""
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        data = bytearray(seed)
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(data) - 1))
            data[at:at + draw(st.integers(0, 16))] = draw(st.binary(max_size=16))
        return bytes(data[:draw(st.integers(1, len(data)))])
    return build()


def read(data: bytes, doc_type: DocType) -> None:
    with contextlib.suppress(CustidError):
        read_document(data, doc_type, SETTINGS, lambda _text: True)


@FUZZ
@given(mutated(GOOD))
def test_pdf_reader(data: bytes) -> None:
    read(data, "pdf")


@FUZZ
@given(mutated(PNG))
def test_image_reader(data: bytes) -> None:
    read(data, "png")


@FUZZ
@given(st.one_of(mutated(EMAIL), st.binary(max_size=2000)))
def test_email_reader(data: bytes) -> None:
    read(data, "eml")


@FUZZ
@given(st.one_of(
    st.text(max_size=300),
    st.builds("value_shapes:\n  - id: x\n    regex: '{}'\n".format,
              st.text(alphabet="()[]{}+*?|\\.^$d,0123456789aw-", max_size=30)),
))
def test_pattern_loader(tmp_path_factory, text: str) -> None:
    path: Path = tmp_path_factory.mktemp("pack") / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with contextlib.suppress(CustidError):
        load_file(path)
