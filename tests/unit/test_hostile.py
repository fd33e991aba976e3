"""Hostile and broken inputs end in a typed error within bounded time and memory (the worker's
sandboxed reader), and documents never reach the network."""

from __future__ import annotations

import base64
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from extractor.errors import TooLarge
from extractor.read.pdfium import open_pdf
from extractor.service.sandbox import SandboxedExtractor
from extractor.settings import Settings
from tests.hostile import GOOD, corpus, flate_bomb, raw_pdf, stream

SETTINGS = Settings(reader_memory_mb=768, ocr="off", task_time_limit=30)


def email_with(attachment: bytes, body: bytes = b"Customer No: 48213-7751") -> bytes:
    """A mail with a number in its body and a PDF attached as bill.pdf."""
    return (b"From: Billing <billing@telco.example>\r\nSubject: Your bill\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
            b"Content-Type: text/plain\r\n\r\n" + body + b"\r\n\r\n--b\r\n"
            b"Content-Type: application/pdf; name=bill.pdf\r\n"
            b"Content-Disposition: attachment; filename=bill.pdf\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(attachment)
            + b"\r\n--b--\r\n")


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


def test_a_bomb_attached_to_an_email_is_skipped_and_the_body_still_read(
        sandboxed: SandboxedExtractor) -> None:
    result = sandboxed.extract_bytes(email_with(flate_bomb(1200)), "bomb.eml")
    assert result.error is None and [f.value for f in result.findings] == ["48213-7751"]
    assert [w.split(": ")[:2] for w in result.warnings] == [["bill.pdf", "too_large"]]


def test_an_attachment_read_apart_keeps_its_findings(sandboxed: SandboxedExtractor) -> None:
    result = sandboxed.extract_bytes(email_with(GOOD, body=b"Thanks"), "bill.eml")
    assert result.error is None and result.warnings == []
    assert [(f.value, f.part) for f in result.findings] == [("48213-7751", "bill.pdf")]


def test_a_reader_killed_by_the_kernel_is_replaced_and_the_document_read_again() -> None:
    sandboxed = SandboxedExtractor(SETTINGS)
    assert sandboxed.extract_bytes(GOOD, "first.pdf").error is None
    assert sandboxed._child is not None
    os.kill(sandboxed._child.pid, signal.SIGKILL)  # as the OOM killer would, between documents
    result = sandboxed.extract_bytes(GOOD, "good.pdf")
    assert result.error is None and [f.value for f in result.findings] == ["48213-7751"]


def test_a_reader_killed_twice_fails_as_too_large() -> None:
    """The kernel's SIGKILL on every child that reads the document: too_large, not malformed."""
    sandboxed = SandboxedExtractor(SETTINGS)
    killed: set[int] = set()
    done = threading.Event()

    def kill_each_child() -> None:
        while not done.is_set():
            child = sandboxed._child
            if child is not None and child.pid not in killed:
                killed.add(child.pid)
                os.kill(child.pid, signal.SIGKILL)
            time.sleep(0.0005)

    killer = threading.Thread(target=kill_each_child)
    killer.start()
    try:
        result = sandboxed.extract_bytes(flate_bomb(300), "slow.pdf")
    finally:
        done.set()
        killer.join()
    assert len(killed) == 2
    assert result.error is not None and result.error.code == "too_large", result.error


def test_extract_on_the_command_line_answers_too_large_for_a_bomb(tmp_path: Path) -> None:
    """Read in a bounded child, as in the service: not 3 GB in the command's own process."""
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(flate_bomb(2000))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    outcome = subprocess.run(
        [str(Path(sys.executable).with_name("custid")), "extract", "--json", str(bomb)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "CUSTID_READER_MEMORY_MB": "768", "CUSTID_OCR": "off"})
    assert outcome.returncode == TooLarge.exit_status, outcome.stderr
    assert json.loads(outcome.stdout)["error"]["code"] == "too_large"
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kB, of the largest process
    assert peak == before or peak < 1_200_000
