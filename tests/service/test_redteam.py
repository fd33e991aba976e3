"""The breaks of the red-team pass (issue 24), each replayed against the API in-process (its
Celery tasks eager) on SQLite and PostgreSQL, or against the part that broke."""

from __future__ import annotations

import asyncio
import io
import json
import multiprocessing
import resource
import uuid
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from multiprocessing.queues import Queue
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from extractor import evidence, extract
from extractor.api.limits import UploadSlots
from extractor.errors import TooManyUploads, UploadStalled
from extractor.masking import DOT, mask_numbers
from extractor.service.admission import Bounds, receive
from extractor.service.store import LocalStore
from extractor.settings import Settings
from samples.hostile import huge_documents
from tests.conftest import Hooks, eager_client, new_key
from tests.e2e.test_recover import BILLS, bill
from tests.pages import pdf_of
from tests.service.test_store import BOUNDARY, multipart

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


def _evidence_in_child(name: str, answers: Queue) -> None:
    """Read and draw one evidence in this (spawned) process within 2 GB of address space, so
    that a drawing of the whole page fails here instead of taking the machine: the PNG's size
    and the peak memory the drawing added (MB)."""
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    data = huge_documents()[name]
    finding = extract(data).findings[0]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        image = Image.open(io.BytesIO(evidence.render(data, finding, Settings())))
    except MemoryError:
        answers.put(None)
        return
    added = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    answers.put((image.size, added / 1024))


@pytest.mark.parametrize("name", ["email-300k-line.eml", "page-7200pt.pdf"])
def test_evidence_of_a_huge_page_is_bounded(name: str) -> None:
    context = multiprocessing.get_context("spawn")
    answers = context.Queue()
    child = context.Process(target=_evidence_in_child, args=(name, answers))
    child.start()
    answer = answers.get(timeout=300)
    child.join()
    assert answer is not None, "the evidence ran out of 2 GB"
    (width, height), added_mb = answer
    assert width <= evidence.MAX_PIXELS[0] and height <= evidence.MAX_PIXELS[1]
    assert added_mb < 300  # drawing the whole page took 2.7 GB (the PDF) to 18 GB (the email)


MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def test_bodies_need_a_key_first_and_stay_small(database_url: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    with eager_client(database_url, tmp_path / "data", monkeypatch,
                      max_body_bytes="1000") as client:
        role = json.dumps({"role": "reader"}).encode()
        anonymous = client.post("/v1/keys", content=b" " * 2000,  # over the limit too
                                headers={"Authorization": "Bearer nope"})
        assert anonymous.status_code == 401 and anonymous.json()["detail"]["code"] == (
            "unauthorized")
        assert client.post("/v1/keys", json={"role": "reader"}).status_code == 201
        declared = client.post("/v1/keys", content=b" " * 2000)
        streamed = client.post("/v1/keys", content=iter([role[:-1], b" " * 1000, b"}"]))
        for refused in (declared, streamed):
            assert refused.status_code == 413 and refused.json()["detail"]["code"] == "too_large"


def test_uploads_cut_short_or_over_their_bounds_are_refused(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with eager_client(database_url, tmp_path / "data", monkeypatch, max_form_fields="2",
                      max_request_bytes="20000") as client:
        whole = multipart(("file", "bill.pdf", bill(*BILLS[0])))
        cut = whole[:len(whole) // 2]
        fields = multipart(*[(f"f{i}", None, b"x") for i in range(3)],
                           ("file", "bill.pdf", b"%PDF-1.4"))
        big = multipart(("file", "a.pdf", b"%PDF" + b"a" * 30_000))
        long_boundary = {"Content-Type": "multipart/form-data; boundary=" + "b" * 300}
        for body, headers, status, code in ((cut, MULTIPART, 400, "bad_upload"),
                                            (fields, MULTIPART, 400, "bad_upload"),
                                            (big, MULTIPART, 413, "too_large"),
                                            (whole, long_boundary, 400, "bad_upload")):
            answer = client.post("/v1/documents", content=body, headers=headers)
            assert (answer.status_code, answer.json()["detail"]["code"]) == (status, code)
        assert client.get("/v1/documents").json()["items"] == []
        assert [p for p in (tmp_path / "data").rglob("*") if p.is_file() and p.stat().st_size
                and p.suffix not in (".db", ".db-wal", ".db-shm")] == []  # no original stored
        assert client.post("/v1/documents", content=whole, headers=MULTIPART).status_code == 202


def test_a_stalled_upload_times_out(tmp_path: Path) -> None:
    async def stalling() -> AsyncIterator[bytes]:
        yield multipart(("file", "a.pdf", b"%PDF-1.4"))[:40]
        await asyncio.sleep(60)

    with pytest.raises(UploadStalled):
        asyncio.run(receive(MULTIPART["Content-Type"], stalling(), LocalStore(tmp_path), 1000,
                            bounds=Bounds(10_000, 2, 0.2)))
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_uploads_at_once_per_key_are_bounded() -> None:
    slots = UploadSlots(2)
    with slots.take("k1"), slots.take("k1"), slots.take("k2"), pytest.raises(TooManyUploads):
        slots.take("k1").__enter__()
    with slots.take("k1"), slots.take("k1"):  # given back
        pass


def test_pages_and_originals_are_neither_framed_nor_sniffed(client: TestClient) -> None:
    page = b"<html><script>alert(1)</script></html>"
    stored = client.post("/v1/documents", files=[("file", ("x.html", page, "text/html"))])
    pdf = client.post("/v1/documents", files=[("file", ("b.pdf", bill(*BILLS[0])))])
    answers = [client.get(path) for path in ("/", "/web/app.js")]
    originals = [client.get(f"/v1/documents/{d.json()['id']}/original") for d in (stored, pdf)]
    for answer in answers + originals:
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert [o.headers["content-type"] for o in originals] == ["application/octet-stream",
                                                              "application/pdf"]
    assert all(o.headers["content-disposition"].startswith("attachment") for o in originals)
