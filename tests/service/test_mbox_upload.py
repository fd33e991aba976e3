"""An mbox uploaded to POST /v1/documents: a document per message (each its own original,
deduped like any upload), the answer listing them; broken, oversized and cut messages are
reported while the others are admitted; the mailbox limits answer 413 and store nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from extractor.settings import get_settings
from samples.mailboxes import messages, write_mbox
from tests.conftest import eager_client

MESSAGES = 8


@pytest.fixture(scope="module")
def items(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Eight messages, half of them bills and welcome emails (some with a PDF)."""
    return messages(MESSAGES, 0.5, 5, tmp_path_factory.mktemp("generated"))


@pytest.fixture
def client(database_url: str, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with eager_client(database_url, tmp_path / "data", monkeypatch, max_upload_bytes="200000",
                      max_mailbox_messages="20", max_mailbox_bytes="2000000") as client:
        yield client


def mbox(folder: Path, items: list[bytes], name: str = "export") -> bytes:
    write_mbox(folder / name, items)
    return (folder / name).read_bytes()


def post(client: TestClient, *files: tuple[str, bytes]):
    return client.post("/v1/documents", files=[("file", (name, data, "application/octet-stream"))
                                               for name, data in files])


def originals() -> int:
    return sum(1 for p in (get_settings().data_dir / "originals").rglob("*") if p.is_file())


def test_each_message_becomes_a_document(client: TestClient, items: list[bytes],
                                         tmp_path: Path) -> None:
    answer = post(client, ("export", mbox(tmp_path, items)))  # no extension: told by its bytes
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["mailbox"] == "export" and body["problems"] == []
    names = [document["name"] for document in body["documents"]]
    assert names == [f"export#{n}" for n in range(1, MESSAGES + 1)]
    found = 0
    for document, data in zip(body["documents"], items, strict=True):
        assert not document["duplicate"]
        shown = client.get(document["status_url"]).json()
        assert shown["status"] == "done" and shown["filename"] == document["name"]
        found += len(shown["result"]["findings"])
        assert client.get(f"/v1/documents/{document['id']}/original").content == data
    assert found >= 3 and originals() == MESSAGES  # the mbox itself is not kept
    again = post(client, ("other name", mbox(tmp_path, items, "again")))
    assert again.status_code == 200
    assert [d["id"] for d in again.json()["documents"]] == [d["id"] for d in body["documents"]]
    assert all(d["duplicate"] for d in again.json()["documents"])
    alone = post(client, ("message.eml", items[0]))  # the same message uploaded on its own
    assert alone.status_code == 200 and alone.json()["id"] == body["documents"][0]["id"]
    assert originals() == MESSAGES


def test_an_mbox_among_other_files(client: TestClient, items: list[bytes],
                                   tmp_path: Path) -> None:
    answer = post(client, ("a.eml", items[0]), ("box", mbox(tmp_path, items[1:3])))
    assert answer.status_code == 202
    single, box = answer.json()
    assert set(single) == {"id", "status_url", "duplicate"}  # the shape of any other upload
    assert [d["name"] for d in box["documents"]] == ["box#1", "box#2"]


def test_broken_oversized_and_cut_messages_are_reported(client: TestClient, items: list[bytes],
                                                        tmp_path: Path) -> None:
    garbage = b"\x00\x01binary junk, not an email\xff" * 40
    huge = items[0] + b"\n" + b"x" * 300_000 + b"\n"  # over CUSTID_MAX_UPLOAD_BYTES
    whole = mbox(tmp_path, [*items[:3], garbage, huge, items[3]])
    cut = whole[:len(whole) - len(items[3]) // 2]  # ends inside its last message
    answer = post(client, ("broken", cut))
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert [d["name"] for d in body["documents"]] == ["broken#1", "broken#2", "broken#3",
                                                      "broken#6"]
    problems = {p["name"]: (p["code"], p["id"]) for p in body["problems"]}
    assert problems == {"broken#4": ("unsupported_type", None), "broken#5": ("too_large", None),
                        "broken#6": ("malformed", body["documents"][3]["id"])}
    for document in body["documents"]:
        assert client.get(document["status_url"]).json()["status"] in ("done", "failed")


def test_mailbox_limits(client: TestClient, items: list[bytes], tmp_path: Path) -> None:
    many = post(client, ("many", mbox(tmp_path, items * 3, "many")))  # 24 messages, 20 allowed
    assert many.status_code == 413
    assert many.json()["detail"]["code"] == "too_many_messages"
    big = mbox(tmp_path, items[:1], "big") + b"y" * 2_000_000  # over CUSTID_MAX_MAILBOX_BYTES
    refused = post(client, ("big", big))
    assert refused.status_code == 413 and refused.json()["detail"]["code"] == "too_large"
    assert originals() == 0
    assert client.get("/v1/documents").json()["items"] == []


def test_the_mbox_answer_is_documented(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    accepted = schema["paths"]["/v1/documents"]["post"]["responses"]["202"]
    assert "#/components/schemas/MailboxAccepted" in str(accepted)
    components = schema["components"]["schemas"]
    assert {"MailboxAccepted", "MessageAccepted", "MessageProblem"} <= components.keys()
    assert "#/components/schemas/MessageAccepted" in str(components["MailboxAccepted"])
