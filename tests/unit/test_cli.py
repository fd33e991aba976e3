"""The `custid` command line contracts: extract --json, exit status, eval's last line, samples."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli.main import app
from extractor.evaluate import read_labels
from extractor.match.values import normalize
from tests.conftest import SAMPLES

runner = CliRunner()
KEYS = {"file", "sha256", "pages", "text_source", "issuer", "document_kind", "holder",
        "document_date", "document_date_confidence", "findings", "error", "warnings"}
FINDING_KEYS = {"kind", "value", "normalized", "label", "page", "bbox", "confidence", "pattern",
                "snippet", "part"}


def extract_json(*paths: Path) -> tuple[int, list[dict]]:
    result = runner.invoke(app, ["extract", "--json", *map(str, paths)])
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize("record", read_labels(SAMPLES), ids=lambda r: r["file"])
def test_golden_samples(record: dict) -> None:
    """Every committed sample gives exactly its labeled numbers, with the full contract."""
    code, (line,) = extract_json(SAMPLES / record["file"])
    assert code == 0
    assert set(line) == KEYS and line["error"] is None and line["text_source"] == "text"
    assert len(line["sha256"]) == 64 and line["pages"] >= 1
    want = sorted((e["kind"], normalize(e["value"])) for e in record["expected"])
    assert sorted((f["kind"], f["normalized"]) for f in line["findings"]) == want
    for finding in line["findings"]:
        assert set(finding) == FINDING_KEYS
        assert 0.5 <= finding["confidence"] <= 1 and len(finding["bbox"]) == 4
        assert finding["normalized"] == normalize(finding["value"])


def test_bad_file_fails_alone_and_sets_exit_status(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"\x00\x01\x02 not a pdf")
    good = SAMPLES / "doc-00002.pdf"
    code, lines = extract_json(junk, good)
    assert code == 2
    assert lines[0]["error"]["code"] == "unsupported_type" and lines[0]["findings"] == []
    assert lines[1]["error"] is None and lines[1]["findings"]


def test_table_output_names_the_number() -> None:
    result = runner.invoke(app, ["extract", str(SAMPLES / "doc-00002.pdf")])
    assert result.exit_code == 0 and "21915-5716" in result.stdout


def test_eval_ends_with_one_summary_line() -> None:
    result = runner.invoke(app, ["eval", str(SAMPLES)])
    assert result.exit_code == 0
    last = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"precision=1\.000 recall=1\.000 f1=1\.000 issuer=1\.000 date=1\.000 "
                        r"docs=12", last)


def test_eval_verbose_names_misses(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes((SAMPLES / "doc-00002.pdf").read_bytes())
    (tmp_path / "labels.jsonl").write_text(
        json.dumps({"file": "a.pdf", "expected": [{"kind": "customer_number", "value": "1"}]})
        + "\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "--verbose", str(tmp_path)])
    assert "miss" in result.stdout and "false" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("precision=0.000 recall=0.000")
    assert "issuer=" not in result.stdout and "date=" not in result.stdout  # no such labels


def test_eval_scores_issuer_and_date_and_lists_their_misses(tmp_path: Path) -> None:
    """The issuer agrees after folding case and legal forms; the date must be exact; an
    optional value is neither rewarded nor penalised."""
    _, (line,) = extract_json(SAMPLES / "doc-00002.pdf")
    records = []
    for name, issuer, date in (("a.pdf", line["issuer"]["name"].upper() + " Inc.", "1999-01-01"),
                               ("b.pdf", "Someone Else GmbH", line["document_date"])):
        (tmp_path / name).write_bytes((SAMPLES / "doc-00002.pdf").read_bytes())
        records.append({"file": name, "expected": [],
                        "optional": [{"kind": "customer_number", "value": "21915-5716"}],
                        "issuer": issuer, "document_date": date})
    (tmp_path / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    result = runner.invoke(app, ["eval", "--verbose", str(tmp_path)])
    lines = result.stdout.strip().splitlines()
    assert re.fullmatch(r"precision=1\.000 recall=1\.000 f1=1\.000 issuer=0\.500 date=0\.500 "
                        r"docs=2", lines[-1])
    assert any(x.startswith("issuer ") and "b.pdf" in x and "Someone Else" in x for x in lines)
    assert any(x.startswith("date ") and "a.pdf" in x and "1999-01-01" in x for x in lines)
    assert not any(x.startswith("false ") for x in lines)


def test_samples_command_writes_a_labeled_corpus(tmp_path: Path) -> None:
    result = runner.invoke(app, ["samples", str(tmp_path), "--count", "5", "--seed", "3"])
    assert result.exit_code == 0
    assert len(read_labels(tmp_path)) == 5 and len(list(tmp_path.glob("*.pdf"))) == 5


def test_patterns_check_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("labels:\n  - id: x\n    kind: nope\n    phrases: [a]\n")
    result = runner.invoke(app, ["patterns", "check", str(tmp_path)])
    assert result.exit_code == 3 and "bad.yaml:2" in result.output
