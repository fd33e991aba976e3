"""Pattern packs: users extend them with YAML alone; invalid packs fail with file and line."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import regex

from extractor.errors import PatternError
from extractor.match.packs import check_directory, load_file, load_packs, nested_quantifier
from extractor.pipeline import Extractor
from extractor.settings import Settings
from tests.pages import pdf_of

PACKS = Settings().patterns_dir


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_packs_are_valid_and_cover_six_languages() -> None:
    assert check_directory(PACKS) == []
    languages = {label.id.split(".")[0] for label in load_packs(PACKS).labels}
    assert {"en", "de", "fr", "nl", "es", "it"} <= languages


def test_labels_take_the_ocr_language_of_their_pack(tmp_path: Path) -> None:
    """A pack's `ocr_language` (Tesseract's name) goes to each of its labels that names none."""
    write(tmp_path, "ocr_language: deu\nlabels:\n"
                    "  - {id: a, kind: customer_number, phrases: [kundennummer]}\n"
                    "  - {id: b, kind: customer_number, phrases: [klantnummer], "
                    "ocr_language: nld}\n")
    assert {label.id: label.ocr_language for label in load_packs(tmp_path).labels} \
        == {"a": "deu", "b": "nld"}
    shipped = {label.id.split(".")[0]: label.ocr_language for label in load_packs(PACKS).labels}
    assert shipped["de"] == "deu" and shipped["en"] == "eng"


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "labels:\n  - id: x\n    phrases: [a, b\n  - id: y\n")
    with pytest.raises(PatternError, match=rf"{path}:4: invalid YAML"):
        load_file(path)


def test_schema_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "labels:\n  - id: ok\n    kind: customer_number\n    phrases: [a]\n"
                           "  - id: bad\n    kind: shoe_size\n    phrases: [b]\n")
    with pytest.raises(PatternError, match=rf"{path}:5: labels.1.kind"):
        load_file(path)


def test_bad_regex_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "value_shapes:\n  - id: ok\n    regex: '\\d+'\n"
                           "  - id: broken\n    regex: '(\\d+'\n")
    with pytest.raises(PatternError, match=rf"{path}:4: value_shapes.1.regex"):
        load_file(path)


def test_unknown_validator_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "issuers:\n  - name: X\n    numbers:\n      - kind: account_number\n"
                           "        validator: crc99\n")
    with pytest.raises(PatternError, match="unknown validator"):
        load_file(path)


def test_check_directory_reports_every_bad_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("labels: [", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("colour: blue\n", encoding="utf-8")
    errors = check_directory(tmp_path)
    assert len(errors) == 2
    assert "a.yaml:1" in errors[0].message and "b.yaml:1" in errors[1].message


def test_user_adds_a_label_without_code(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    shutil.copytree(PACKS, packs)
    data = pdf_of([(50, 80, "Patron token: 7781-2231")])
    before = Extractor(Settings(patterns_dir=packs)).extract_bytes(data, "x.pdf")
    assert before.findings == []
    (packs / "library.yaml").write_text(
        "labels:\n  - id: lib.patron\n    kind: customer_number\n    phrases: [patron token]\n",
        encoding="utf-8")
    after = Extractor(Settings(patterns_dir=packs)).extract_bytes(data, "x.pdf")
    assert [(f.value, f.pattern) for f in after.findings] == [("7781-2231", "lib.patron")]


@pytest.mark.parametrize("pattern", [r"(\d+)+X", r"(?:[A-Z]*\d?)*", r"((\d+){2})+",
                                     r"(\w+\s?)*$"])
def test_nested_quantifiers_are_rejected(tmp_path: Path, pattern: str) -> None:
    path = write(tmp_path, f"value_shapes:\n  - id: ok\n    regex: '\\d+'\n"
                           f"  - id: evil\n    regex: '{pattern}'\n")
    with pytest.raises(PatternError, match=rf"{path}:4: .*nested unbounded quantifiers"):
        load_file(path)
    assert nested_quantifier(r"#?\d{1,8}(?:[ \-./]\d{1,10}){1,4}") is None
    assert nested_quantifier(r"[(+]+\(\d+\)+") is None


def test_catastrophic_user_regex_does_not_hang(tmp_path: Path) -> None:
    """A slow regex the static check lets through (overlapping alternatives) runs out of time."""
    evil, value = r"(?:\d|\d\d)+\D", "1" * 40
    with pytest.raises(TimeoutError):  # seconds per candidate without the time limit
        regex.compile(evil).fullmatch(value, timeout=1)
    packs = tmp_path / "packs"
    shutil.copytree(PACKS, packs)
    (packs / "slow.yaml").write_text(
        f"value_shapes:\n  - id: evil\n    regex: '{evil}'\n    score: 0.5\n", encoding="utf-8")
    data = pdf_of([(50, 80, f"Customer No: {value}")])
    started = time.monotonic()
    result = Extractor(Settings(patterns_dir=packs)).extract_bytes(data, "x.pdf")
    assert result.error is None and time.monotonic() - started < 10
