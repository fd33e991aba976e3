"""Every bad input ends in a clear error code, never a traceback, and other files go on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from extractor import errors
from extractor.pipeline import Extractor
from extractor.settings import Settings
from tests.conftest import ROOT
from tests.pages import pdf_of

GOOD = pdf_of([(50, 80, "Customer No: 48213-7751")])


def code(data: bytes, settings: Settings | None = None) -> str | None:
    result = Extractor(settings or Settings()).extract_bytes(data, "input")
    return result.error.code if result.error else None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x00\x01binary junk that is not a document" * 10, "unsupported_type"),
        (b"PK\x03\x04 a zip file renamed to .pdf", "unsupported_type"),
        (GOOD[: len(GOOD) // 3], "malformed"),
        (b"%PDF-1.7\n" + b"\x00" * 500, "malformed"),
    ],
)
def test_error_codes(data: bytes, expected: str) -> None:
    assert code(data) == expected


def test_encrypted_pdf() -> None:
    assert code(pdf_of([(50, 80, "Customer No: 1")], encrypt="secret")) == "encrypted"


def test_too_many_pages() -> None:
    assert code(pdf_of([(50, 80, "x")], pages=4), Settings(max_pages=3)) == "too_large"


def test_too_many_bytes() -> None:
    assert code(GOOD, Settings(max_file_bytes=100)) == "too_large"


def test_enormous_page() -> None:
    assert code(GOOD, Settings(max_page_points=500)) == "too_large"


def test_type_comes_from_bytes_not_name(tmp_path: Path) -> None:
    misnamed = tmp_path / "invoice.txt"
    misnamed.write_bytes(GOOD)
    result = Extractor(Settings()).extract_path(misnamed)
    assert result.error is None and [f.value for f in result.findings] == ["48213-7751"]


def test_missing_file_is_reported(tmp_path: Path) -> None:
    result = Extractor(Settings()).extract_path(tmp_path / "gone.pdf")
    assert result.error is not None and result.error.code == "unreadable"


def test_the_readme_lists_exactly_the_codes_errors_defines() -> None:
    defined = {error.code for error in vars(errors).values()
               if isinstance(error, type) and issubclass(error, errors.CustidError)}
    table = (ROOT / "README.md").read_text().split("\n| code | meaning | where |\n")[1]
    listed = re.findall(r"^\| `(\w+)` \|", table.split("\n\n")[0], re.M)
    assert sorted(listed) == sorted(defined)
