"""Hostile and broken inputs end in a typed error within bounded time and memory (the worker's
sandboxed reader), and documents never reach the network."""

from __future__ import annotations

import socket
import time

import pypdfium2 as pdfium
import pytest

from extractor.read.pdfium import open_pdf
from extractor.service.sandbox import SandboxedExtractor
from extractor.settings import Settings
from tests.hostile import GOOD, corpus, raw_pdf, stream

SETTINGS = Settings(reader_memory_mb=768, ocr="off", task_time_limit=30)


@pytest.fixture(scope="module")
def sandboxed() -> SandboxedExtractor:
    return SandboxedExtractor(SETTINGS)


@pytest.mark.parametrize(("name", "data", "codes"), corpus(), ids=lambda v: str(v)[:20])
def test_each_bad_input_fails_cleanly(sandboxed: SandboxedExtractor, name: str, data: bytes,
                                      codes: set[str]) -> None:
    started = time.monotonic()
    result = sandboxed.extract_bytes(data, name)
    assert time.monotonic() - started < 20
    assert result.error is not None and result.error.code in codes, result.error


def test_good_documents_read_in_the_sandbox(sandboxed: SandboxedExtractor) -> None:
    result = sandboxed.extract_bytes(GOOD, "good.pdf")
    assert result.error is None and [f.value for f in result.findings] == ["48213-7751"]


def test_pdf_javascript_and_links_are_inert(monkeypatch: pytest.MonkeyPatch) -> None:
    """pypdfium2 runs JavaScript only with a form environment (`init_forms`), which custid never
    creates; links and launch actions are never followed. Any connection attempt would fail."""
    def refuse(*_args: object) -> None:
        raise AssertionError("a document tried to reach the network")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    data = raw_pdf([stream(b"BT /F1 12 Tf 50 700 Td (Customer No: 48213-7751) Tj ET")])
    with open_pdf(data, SETTINGS) as pdf:
        assert pdf.formenv is None
    assert SandboxedExtractor(Settings(reader_memory_mb=0, ocr="off")).extract_bytes(
        data, "js.pdf").error is None
    assert isinstance(pdfium.PdfDocument(data), pdfium.PdfDocument)
