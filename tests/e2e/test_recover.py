"""Recovering a lost number: `custid recover` over files, and /v1/lookup with evidence images."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from extractor import evidence
from extractor.pipeline import Extractor
from extractor.recovery import issuer_matches, read_all, sightings, summarize
from extractor.settings import Settings
from extractor.walk import documents
from tests.conftest import eager_client
from tests.pages import pdf_of

CUSTID = str(Path(sys.executable).parent / "custid")
# (issuer, document date, customer number): Cox changed the number in 2024
BILLS = [
    ("Cox Communications Inc.", "12 March 2023", "4410-2286-01"),
    ("Cox Communications Inc.", "14 June 2023", "4410-2286-01"),
    ("Cox Communications Inc.", "15 January 2024", "7731-0045-12"),
    ("Cox Communications Inc.", "16 February 2024", "7731-0045-12"),
    ("Telefónica de España S.A.U.", "3 May 2023", "TL-558201"),
]


def bill(issuer: str, date: str, number: str) -> bytes:
    return pdf_of([(50, 40, issuer), (50, 60, "1400 Lake Hearn Drive, Atlanta GA"),
                   (50, 100, "INVOICE"), (50, 130, f"Invoice date: {date}"),
                   (50, 150, f"Customer number: {number}"), (50, 170, "Amount due: $84.20")])


@pytest.fixture(scope="module")
def bills(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bills")
    for index, row in enumerate(BILLS):
        (folder / f"bill-{index}.pdf").write_bytes(bill(*row))
    (folder / "notes.txt").write_text("not a document")
    return folder


def test_history_newest_first_with_current(bills: Path) -> None:
    read, problems = read_all(documents(bills, Settings().max_file_bytes), workers=2)
    assert [p.path.name for p in problems] == ["notes.txt"]
    groups = summarize(s for each in read for s in sightings(each.document, each.result))
    assert [g.issuer for g in groups] == ["Cox Communications", "Telefónica de España S.A"]
    cox = groups[0].history("customer_number")
    assert [(n.value, n.current, n.documents_agreeing) for n in cox] == [
        ("7731-0045-12", True, 2), ("4410-2286-01", False, 2)]
    assert (cox[0].document_date, cox[0].first_seen) == ("2024-02-16", "2024-01-15")
    assert Path(cox[0].document).name == "bill-3.pdf" and cox[0].page == 1
    assert cox[0].label == "Customer number"


@pytest.mark.parametrize(("query", "name", "matches"), [
    ("cox", "Cox Communications", True),
    ("COX comm", "Cox Communications", True),
    ("telefonica", "Telefónica de España S.A.U.", True),
    ("comunications", "Cox Communications", True),
    ("vodafone", "Cox Communications", False),
    ("", "Cox Communications", False),
])
def test_tolerant_issuer_match(query: str, name: str, matches: bool) -> None:
    assert issuer_matches(query, name) is matches


def test_cli_json_filter_and_evidence(bills: Path, tmp_path: Path) -> None:
    shots = tmp_path / "evidence"
    answer = subprocess.run(
        [CUSTID, "recover", str(bills), "--issuer", "cox",
         "--json", "--evidence", str(shots), "--workers", "2"],
        capture_output=True, text=True, timeout=120)
    assert answer.returncode == 0, answer.stderr
    records = [json.loads(line) for line in answer.stdout.splitlines()]
    assert [(r["value"], r["current"]) for r in records] == [
        ("7731-0045-12", True), ("4410-2286-01", False)]
    assert set(records[0]) == {"issuer", "kind", "value", "normalized", "document", "page",
                               "document_date", "confidence", "documents_agreeing", "current",
                               "evidence"}
    assert records[0] | {"evidence": None, "confidence": None} == {
        "issuer": "Cox Communications", "kind": "customer_number", "value": "7731-0045-12",
        "normalized": "7731004512", "document": str(bills / "bill-3.pdf"), "page": 1,
        "document_date": "2024-02-16", "confidence": None, "documents_agreeing": 2,
        "current": True, "evidence": None}
    assert records[0]["confidence"] >= Settings().min_confidence
    for record in records:
        assert highlighted(Path(record["evidence"]).read_bytes())
        assert record["normalized"][-4:] not in Path(record["evidence"]).name  # a secret
    text = subprocess.run([CUSTID, "recover", str(bills), "--issuer", "telefonica"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})
    assert "TL-558201" in text.stdout and "Cox" not in text.stdout


def highlighted(png: bytes) -> bool:
    """Does the image hold the value's red box?"""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    red = evidence.VALUE_LINE[:3]
    return sum(count for count, color in image.getcolors(1 << 24) if color == red) > 50


def test_evidence_of_an_email_is_drawn(extractor: Extractor) -> None:
    email = (b"From: Billing <billing@cox.com>\r\nTo: me@example.org\r\n"
             b"Subject: Your bill\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
             b"Content-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\n\r\n"
             b"Customer number: 7731-0045-12\r\nAmount due: $84.20\r\n")
    [finding] = extractor.extract_bytes(email, "bill.eml").findings
    assert highlighted(evidence.render(email, finding, Settings()))


@pytest.fixture
def client(database_url: str, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with eager_client(database_url, tmp_path / "data", monkeypatch) as client:
        yield client


def test_lookup_and_evidence_endpoints(client: TestClient, bills: Path) -> None:
    files = [("file", (p.name, p.read_bytes(), "application/pdf"))
             for p in sorted(bills.glob("*.pdf"))]
    assert client.post("/v1/documents", files=files).status_code == 202
    masked = client.get("/v1/lookup", params={"issuer": "cox"}).json()
    assert [g["issuer"] for g in masked] == ["Cox Communications"]
    assert [n["value"] for n in masked[0]["numbers"]] == ["\u2022" * 4 + "4512",
                                                          "\u2022" * 4 + "8601"]
    shown = client.get("/v1/lookup", params={"issuer": "cox", "reveal": "true"}).json()
    numbers = shown[0]["numbers"]
    assert [(n["value"], n["current"], n["documents_agreeing"], n["filename"])
            for n in numbers] == [("7731-0045-12", True, 2, "bill-3.pdf"),
                                  ("4410-2286-01", False, 2, "bill-1.pdf")]
    assert numbers[0]["first_seen"] == "2024-01-15" and numbers[0]["document_date"] == "2024-02-16"
    everything = client.get("/v1/lookup").json()
    assert {g["issuer"] for g in everything} == {"Cox Communications",
                                                 "Telefónica de España S.A"}
    image = client.get(numbers[0]["evidence_url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert highlighted(image.content)
    document = numbers[0]["document_id"]
    assert client.get(f"/v1/documents/{document}/findings/7/evidence.png").status_code == 404
    assert client.get("/v1/documents/nope/findings/0/evidence.png").status_code == 404
    assert client.get("/v1/lookup", headers={"Authorization": ""}).status_code == 401
