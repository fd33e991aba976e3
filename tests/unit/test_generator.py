"""The labeled corpus generator: determinism, counts, negatives, coverage, values in the text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pypdfium2
import pytest

from samples.generator import LANGUAGES, generate, main, occurrences, write_showcase
from samples.layouts import FAMILIES

DOCS = Path(__file__).resolve().parents[2] / "samples" / "docs"
KINDS = {"customer_number", "account_number"}
Corpus = tuple[Path, list[dict]]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    out = tmp_path_factory.mktemp("corpus")
    return out, generate(out, 200, seed=5)


def pdf_text(path: Path) -> str:
    pdf = pypdfium2.PdfDocument(path)
    try:
        return "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def squash(text: str) -> str:
    return re.sub(r"\s", "", text)


def read_labels(directory: Path) -> list[dict]:
    lines = (directory / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_same_seed_gives_identical_bytes_and_labels(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", 24, seed=3)
    second = generate(tmp_path / "b", 24, seed=3)
    assert first == second
    for name in [r["file"] for r in first] + ["labels.jsonl"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_other_seed_gives_other_documents(tmp_path: Path) -> None:
    generate(tmp_path / "a", 3, seed=3)
    generate(tmp_path / "b", 3, seed=4)
    assert (tmp_path / "a" / "doc-00001.pdf").read_bytes() != (
        tmp_path / "b" / "doc-00001.pdf").read_bytes()


def test_counts_names_and_label_records(corpus: Corpus) -> None:
    out, records = corpus
    assert len(records) == 200
    names = [f"doc-{i:05d}.pdf" for i in range(1, 201)]
    assert sorted(p.name for p in out.glob("*.pdf")) == names
    assert [r["file"] for r in records] == names
    assert read_labels(out) == records
    for record in records:
        assert set(record) == {"file", "expected", "family", "language", "issuer",
                               "document_date"}
        values = [e["value"] for e in record["expected"]]
        assert all(e["kind"] in KINDS and e["value"].strip() for e in record["expected"])
        assert len(set(values)) == len(values)


def test_at_least_a_fifth_are_negatives(corpus: Corpus) -> None:
    _, records = corpus
    assert sum(not r["expected"] for r in records) >= 0.2 * len(records)


def test_every_family_and_language_appears(corpus: Corpus) -> None:
    _, records = corpus
    assert {r["family"] for r in records} == set(FAMILIES)
    assert len(FAMILIES) >= 12
    assert {r["language"] for r in records} == set(LANGUAGES)
    assert {r["family"] for r in records if not r["expected"]} == set(FAMILIES)


def test_dual_ids_expect_a_customer_and_an_account_number(corpus: Corpus) -> None:
    _, records = corpus
    duals = [r for r in records if r["family"] == "dual_ids" and r["expected"]]
    assert duals
    assert all({e["kind"] for e in r["expected"]} == KINDS for r in duals)


def test_expected_values_appear_in_the_pdf_text(corpus: Corpus) -> None:
    out, records = corpus
    for record in records:
        text = squash(pdf_text(out / record["file"]))
        for expected in record["expected"]:
            assert squash(expected["value"]) in text, (record["file"], expected)


def test_page_two_family_keeps_the_number_off_page_one(corpus: Corpus) -> None:
    out, records = corpus
    for record in (r for r in records if r["family"] == "page_two" and r["expected"]):
        pdf = pypdfium2.PdfDocument(out / record["file"])
        first = pdf[0].get_textpage().get_text_range()
        assert len(pdf) == 2
        assert all(e["value"] not in first for e in record["expected"])
        pdf.close()


def test_occurrences_counts_standalone_numbers_only() -> None:
    text = "Customer No.: 42\nQty 42\nTotal 12.42\n1.042,00\nRef #42"
    assert occurrences(text, "42") == 3
    assert occurrences("K 882 193 and K 882 1934", "K 882 193") == 1
    assert occurrences("48213-7751 / 48213", "48213-7751") == 1


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main([str(tmp_path), "--count", "3", "--seed", "1"])
    assert len(read_labels(tmp_path)) == 3
    assert "wrote 3 documents" in capsys.readouterr().out


def test_committed_showcase_is_current_and_small(tmp_path: Path) -> None:
    records = read_labels(DOCS)
    assert records == write_showcase(tmp_path), (
        "regenerate with: python -m samples.generator samples/docs --showcase")
    assert {r["family"] for r in records} == set(FAMILIES)
    assert sum(not r["expected"] for r in records) >= 2
    for record in records:
        path = DOCS / record["file"]
        assert path.stat().st_size < 12_000
        text = squash(pdf_text(path))
        assert all(squash(e["value"]) in text for e in record["expected"])
