"""The breaks of the red-team pass (issue 24), each replayed against the API in-process (its
Celery tasks eager) on SQLite and PostgreSQL, or against the part that broke."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from extractor.masking import DOT, mask_numbers
from tests.conftest import Hooks, eager_client, new_key
from tests.e2e.test_recover import BILLS, bill
from tests.pages import pdf_of

# numbers an email shows: in its body (two on one line), in an attachment and in the names of
# its attachments
BODY_NUMBERS = ("4471QQ7", "AC-5512-ZZ", "AC5512ZZ", "58213907")
NAME_NUMBERS = ("55443322", "99887766")


@pytest.fixture
def client(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           ) -> Iterator[TestClient]:
    with eager_client(database_url, tmp_path / "data", monkeypatch,
                      webhook_allow="127.0.0.1") as client:
        yield client


def statement_email() -> bytes:
    message = EmailMessage()
    message["From"] = "Brightline Telecom <noreply@brightline.com>"
    message["To"] = "Ann <ann@example.org>"
    message["Subject"] = "Your statement"
    message.set_content("<p>Customer ID: 4471QQ7 Account No: AC-5512-ZZ</p>", subtype="html")
    message.add_attachment(pdf_of([(50, 80, "Customer No.: 58213907")]), maintype="application",
                           subtype="pdf", filename="statement_55443322_2024.pdf")
    message.add_attachment(b"%PDF-1.7 broken", maintype="application", subtype="pdf",
                           filename="bill_99887766.pdf")
    return message.as_bytes()


def test_snippets_mask_every_number_shaped_token() -> None:
    assert mask_numbers("Customer ID: 4471QQ Account No: AC-5512-ZZ", ["4471QQ"]) == (
        f"Customer ID: {DOT * 4}71QQ Account No: {DOT * 4}12ZZ")
    assert mask_numbers("statement_55443322_2024.pdf") == f"statement_{DOT * 4}3322_{DOT * 4}.pdf"
    assert mask_numbers("No. 5, page 12 of bill.pdf") == "No. 5, page 12 of bill.pdf"


def test_masked_answers_and_webhooks_show_no_number(client: TestClient, hooks: Hooks) -> None:
    answer = client.post("/v1/documents", data={"webhook_url": hooks.url},
                         files=[("file", ("mail.eml", statement_email(), "message/rfc822"))])
    document_id = answer.json()["id"]
    revealed = client.get(f"/v1/documents/{document_id}", params={"reveal": True}).json()
    assert {f["value"] for f in revealed["result"]["findings"]} >= {"4471QQ7", "AC-5512-ZZ"}
    assert "bill_99887766.pdf" in revealed["result"]["warnings"][0]
    masked = client.get(f"/v1/documents/{document_id}").json()
    hooked = next(hook for hook in hooks.received if hook["id"] == document_id)
    for shown in (masked, hooked):
        text = json.dumps(shown)
        assert [n for n in BODY_NUMBERS + NAME_NUMBERS if n in text] == []
        assert DOT in shown["result"]["warnings"][0]


def test_each_revealed_number_is_audited_and_counted(database_url: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with eager_client(database_url, tmp_path / "data", monkeypatch, rate_limit="5") as client:
        files = [("file", (f"bill-{i}.pdf", bill(*row), "application/pdf"))
                 for i, row in enumerate(BILLS)]
        assert client.post("/v1/documents", files=files).status_code == 202
        shown = client.get("/v1/lookup", params={"reveal": True})
        numbers = [n for group in shown.json() for n in group["numbers"]]
        assert len(numbers) == 3 and all(DOT not in n["value"] for n in numbers)
        audit = client.get("/v1/audit", params={"limit": 500}).json()["items"]
        assert sorted(e["object_id"] for e in audit if e["action"] == "reveal") == sorted(
            n["document_id"] for n in numbers)
        again = client.get("/v1/lookup", params={"reveal": True})  # 3 more than the 2 left
        assert again.status_code == 429 and "detail" in again.json()
        assert client.get(f"/v1/documents/{numbers[0]['document_id']}",
                          params={"reveal": True}).status_code == 200  # the 2 left
        assert client.get("/v1/lookup", params={"issuer": "Vodafone", "reveal": True}).json() == []


def test_review_acts_only_on_links_under_review_onto_accounts_of_the_issuer(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with eager_client(database_url, tmp_path / "data", monkeypatch,
                      workspace_mode="known") as client:  # unknown numbers go to review
        client.post("/v1/documents", files=[("file", ("bill.pdf", bill(*BILLS[4])))])
        [item] = client.get("/v1/review").json()["items"]
        other = client.post("/v1/accounts", json={"issuer": "Acme", "number": "A-99"}).json()
        same = client.post("/v1/accounts", json={"issuer": "Telefónica de España S.A",
                                                 "number": "B-77"}).json()
        for account_id in ("no-such-account", other["id"]):
            refused = client.post(f"/v1/review/{item['id']}",
                                  json={"decision": "confirm", "account_id": account_id})
            assert refused.status_code == 409 and "detail" in refused.json()
        assert len(client.get("/v1/accounts").json()["items"]) == 2  # none made
        confirmed = client.post(f"/v1/review/{item['id']}",
                                json={"decision": "confirm", "account_id": same["id"]})
        assert confirmed.status_code == 200 and confirmed.json()["account_id"] == same["id"]
        again = client.post(f"/v1/review/{item['id']}", json={"decision": "reject"})
        assert again.status_code == 409  # no longer under review


@pytest.mark.parametrize("number", ["- . / #", " ", "7" * 65])
def test_account_numbers_without_characters_or_too_long_are_refused(
        client: TestClient, number: str) -> None:
    answer = client.post("/v1/accounts", json={"issuer": "Acme", "number": number})
    assert answer.status_code == 422 and answer.json()["detail"]["code"] == "invalid_request"
    assert client.get("/v1/accounts").json()["items"] == []


def test_link_and_audit_ids_do_not_count_other_workspaces(client: TestClient,
                                                          database_url: str) -> None:
    other = new_key(database_url, "admin", "other")

    def ids(headers: dict[str, str] | None = None) -> tuple[int, int]:
        """A new reveal's audit id and a new document's link id, of the key's workspace."""
        uploaded = client.post("/v1/documents", headers=headers, files=[
            ("file", ("bill.pdf", pdf_of([(50, 80, f"Customer No: {uuid.uuid4().int % 10**9}")])))])
        document = client.get(f"/v1/documents/{uploaded.json()['id']}", headers=headers,
                              params={"reveal": True}).json()
        audit = client.get("/v1/audit", headers=headers).json()["items"][0]
        return audit["id"], document["links"][0]["id"]

    first = ids()
    for _ in range(3):  # the other workspace's activity in between
        ids(other)
    second = ids()
    assert [b - a for a, b in zip(first, second, strict=True)] != [4, 4]
    assert min(first + second) > 2**31  # random, not counted (by chance below: 1 in 2**20)


COX = BILLS[0]  # its number: as printed and normalized
COX_NUMBER = (COX[2].encode(), COX[2].replace("-", "").encode())


def test_erasure_leaves_no_number_in_the_sqlite_files(database_url: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the files of SQLite")
    files = [tmp_path / name for name in ("custid.db", "custid.db-wal")]

    def shown() -> list[str]:
        return [path.name for path in files if path.exists()
                for number in COX_NUMBER if number in path.read_bytes()]

    with eager_client(database_url, tmp_path / "data", monkeypatch) as client:
        document = client.post("/v1/documents", files=[("file", ("bill.pdf", bill(*COX)))])
        [link] = client.get(f"/v1/documents/{document.json()['id']}").json()["links"]
        assert shown()  # the number is in the files while it is kept
        erased = client.delete(f"/v1/accounts/{link['account_id']}",
                               params={"erase": "documents"})
        assert erased.status_code == 204
        assert shown() == []  # right after the erasure, the service still running
    assert shown() == []  # and after a clean close


def test_erasure_covers_documents_still_queued(client: TestClient,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from extractor.service import queue, runner

    account = client.post("/v1/accounts", json={"issuer": COX[0], "number": COX[2]}).json()
    held: list[str] = []
    monkeypatch.setattr(queue, "enqueue", held.extend)  # the message waits for a worker
    document = client.post("/v1/documents", files=[("file", ("bill.pdf", bill(*COX)))]).json()
    assert client.get(f"/v1/documents/{document['id']}").json()["status"] == "queued"
    assert client.delete(f"/v1/accounts/{account['id']}",
                         params={"erase": "documents"}).status_code == 204
    assert client.get(f"/v1/documents/{document['id']}").status_code == 404
    runner.run(held)  # the worker gets the message after the erasure
    assert client.get("/v1/accounts").json()["items"] == []
    assert client.get("/v1/documents").json()["items"] == []
