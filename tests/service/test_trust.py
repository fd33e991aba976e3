"""Keys and roles, sealed workspaces, masked numbers, audited and rate-limited reveals, erasure,
and upload names that never become paths (the API on SQLite and PostgreSQL, tasks eager)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from extractor.cli.main import app as cli
from extractor.masking import DOT, install_log_masking, mask
from extractor.service import runner
from extractor.service.db import database
from extractor.service.tables import Base
from extractor.settings import get_settings
from samples.generator import generate
from tests.conftest import new_key
from workers.celery_app import celery_app


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("corpus")
    records = generate(folder, 8, 23)
    return [folder / r["file"] for r in records if r["expected"]]


@pytest.fixture
def api(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    from extractor.api.app import create_app

    for name, value in {"DATABASE_URL": database_url, "CUSTID_DATA_DIR": str(tmp_path / "data"),
                        "CUSTID_SWEEP_INTERVAL": "0", "CUSTID_RATE_LIMIT": "5"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    celery_app.loader.import_default_modules()  # the tasks, as a worker has them
    get_settings.cache_clear()
    runner.context.cache_clear()
    with TestClient(create_app()) as client:
        yield client
    database(database_url).engine.dispose()
    database.cache_clear()
    runner.context.cache_clear()
    get_settings.cache_clear()


def upload(api: TestClient, key: dict, path: Path, name: str | None = None):
    return api.post("/v1/documents", headers=key,
                    files=[("file", (name or path.name, path.read_bytes(), "application/pdf"))])


def linked(api: TestClient, key: dict, document_id: str) -> dict:
    """The document's first linked number, revealed."""
    body = api.get(f"/v1/documents/{document_id}", headers=key, params={"reveal": True}).json()
    return next(link for link in body["links"] if link["account_id"])


def test_keys_and_roles(api: TestClient, database_url: str, corpus: list[Path]) -> None:
    admin, member, reader = (new_key(database_url, role) for role in ("admin", "member", "reader"))
    assert api.get("/healthz").status_code == 200
    assert api.get("/v1/documents").status_code == 401
    assert api.get("/v1/documents").headers["WWW-Authenticate"] == "Bearer"
    forged = admin["Authorization"][:-4] + "AAAA"
    assert api.get("/v1/documents", headers={"Authorization": forged}).status_code == 401
    assert upload(api, reader, corpus[0]).status_code == 403
    document_id = upload(api, member, corpus[0]).json()["id"]
    assert api.get(f"/v1/documents/{document_id}", headers=reader).status_code == 200
    account = {"issuer": "Acme", "number": "12345678"}
    assert api.post("/v1/accounts", headers=member, json=account).status_code == 403
    assert api.post("/v1/accounts", headers=admin, json=account).status_code == 201
    assert api.delete(f"/v1/documents/{document_id}", headers=member).status_code == 403
    assert api.get("/v1/audit", headers=member).status_code == 403
    made = api.post("/v1/keys", headers=admin, json={"role": "reader"})
    assert made.status_code == 201 and made.json()["key"].startswith("cid_")
    fresh = {"Authorization": f"Bearer {made.json()['key']}"}
    assert api.get("/v1/documents", headers=fresh).status_code == 200
    assert api.delete(f"/v1/keys/{made.json()['id']}", headers=admin).status_code == 204
    assert api.get("/v1/documents", headers=fresh).status_code == 401
    listed = {k["id"]: k for k in api.get("/v1/keys", headers=admin).json()}
    assert listed[made.json()["id"]]["revoked_at"] and "key" not in listed[made.json()["id"]]


def test_a_key_revoked_from_the_command_line_stops_within_the_key_cache_time(
        api: TestClient, database_url: str) -> None:
    reader = new_key(database_url, "reader")
    key_id = next(k["id"] for k in api.get("/v1/keys", headers=new_key(database_url)).json()
                  if k["role"] == "reader")
    assert api.get("/v1/documents", headers=reader).status_code == 200  # verified, kept 1 s
    revoked = CliRunner().invoke(cli, ["keys", "revoke", key_id],
                                 env={"DATABASE_URL": database_url})
    assert revoked.exit_code == 0, revoked.output
    deadline = time.monotonic() + get_settings().key_cache_seconds + 0.5
    while api.get("/v1/documents", headers=reader).status_code == 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert api.get("/v1/documents", headers=reader).status_code == 401


def test_workspaces_are_sealed(api: TestClient, database_url: str, corpus: list[Path]) -> None:
    a, b = new_key(database_url, workspace="a"), new_key(database_url, workspace="b")
    mine = upload(api, a, corpus[0]).json()["id"]
    number = linked(api, a, mine)
    review = api.get("/v1/review", headers=a).json()["items"]
    theirs = upload(api, b, corpus[0])
    assert theirs.status_code == 202 and not theirs.json()["duplicate"]
    assert theirs.json()["id"] != mine
    for path in (f"/v1/documents/{mine}", f"/v1/documents/{mine}/original",
                 f"/v1/accounts/{number['account_id']}"):
        assert api.get(path, headers=b).status_code == 404
    assert api.post(f"/v1/documents/{mine}/reprocess", headers=b).status_code == 404
    assert api.delete(f"/v1/documents/{mine}", headers=b).status_code == 404
    if review:
        assert api.post(f"/v1/review/{review[0]['id']}", headers=b,
                        json={"decision": "reject"}).status_code == 404
    assert [d["id"] for d in api.get("/v1/documents", headers=b).json()["items"]] == [
        theirs.json()["id"]]
    found = api.get("/v1/accounts", headers=b, params={"number": number["normalized"]}).json()
    assert {a["id"] for a in found["items"]}.isdisjoint({number["account_id"]})
    # b deletes its copy: a's document keeps the original they share
    assert api.delete(f"/v1/documents/{theirs.json()['id']}", headers=b).status_code == 204
    assert api.get(f"/v1/documents/{mine}/original", headers=a).content == corpus[0].read_bytes()


def test_masked_unless_revealed_audited_and_rate_limited(api: TestClient, database_url: str,
                                                         corpus: list[Path]) -> None:
    admin = new_key(database_url)
    document_id = upload(api, admin, corpus[0]).json()["id"]
    masked = api.get(f"/v1/documents/{document_id}", headers=admin).json()
    full = linked(api, admin, document_id)
    assert all(f["value"].startswith(DOT * 4) and f["normalized"] == mask(f["normalized"])
               for f in masked["result"]["findings"])
    assert full["normalized"] not in json.dumps(masked)
    assert mask(full["normalized"]) in {link["normalized"] for link in masked["links"]}
    account = api.get(f"/v1/accounts/{full['account_id']}", headers=admin).json()
    assert full["normalized"] not in json.dumps(account)
    listed = api.get("/v1/accounts", headers=admin).json()
    assert full["normalized"] not in json.dumps(listed)
    revealed = api.get(f"/v1/accounts/{full['account_id']}", headers=admin,
                       params={"reveal": True}).json()
    assert full["normalized"] in {n["normalized"] for n in revealed["numbers"]}
    events = api.get("/v1/audit", headers=admin).json()["items"]
    reveals = [(e["object_type"], e["object_id"]) for e in events if e["action"] == "reveal"]
    assert reveals[:2] == [("account", full["account_id"]), ("document", document_id)]
    assert all(e["client"] == "testclient" for e in events if e["action"] == "reveal")
    # two reveals and a lookup used; the limit is 5 a minute
    lookup = {"number": full["normalized"]}
    assert api.get("/v1/accounts", headers=admin, params=lookup).json()["items"]
    answers = [api.get(f"/v1/documents/{document_id}", headers=admin, params={"reveal": True})
               for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert api.get("/v1/accounts", headers=admin, params=lookup).status_code == 429
    assert api.get(f"/v1/documents/{document_id}", headers=admin).status_code == 200
    assert api.get(f"/v1/documents/{document_id}", headers=new_key(database_url),
                   params={"reveal": True}).status_code == 200  # per key


def _rows_naming(database_url: str, needles: set[str]) -> list[str]:
    """Every row of every table whose values mention one of `needles`."""
    found = []
    with database(database_url).session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).all():
                text = json.dumps([str(value) for value in row])
                found += [f"{table.name}: {n}" for n in needles if n in text]
    return found


def _files_naming(folder: Path, needles: set[str]) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and any(n in p.name for n in needles)]


def test_erasure_leaves_nothing(api: TestClient, database_url: str, corpus: list[Path]) -> None:
    admin = new_key(database_url)
    first = upload(api, admin, corpus[0]).json()["id"]
    number = linked(api, admin, first)
    again = upload(api, admin, corpus[0], name="copy.pdf")  # the same file: the same document
    assert again.json()["id"] == first
    other = upload(api, admin, corpus[1]).json()["id"]
    body = api.get(f"/v1/documents/{first}", headers=admin, params={"reveal": True}).json()
    needles = {number["normalized"], number["value"], first, body["sha256"]}
    assert api.delete(f"/v1/accounts/{number['account_id']}", headers=admin,
                      params={"erase": "documents"}).status_code == 204
    assert _rows_naming(database_url, needles | {number["account_id"]}) == []
    assert _files_naming(get_settings().data_dir, needles) == []
    assert api.get(f"/v1/documents/{first}", headers=admin).status_code == 404
    assert api.get(f"/v1/documents/{other}", headers=admin).status_code == 200
    events = api.get("/v1/audit", headers=admin).json()["items"]
    assert events[0]["action"] == "erase" and events[0]["object_id"] is None


def test_erase_from_the_command_line(api: TestClient, database_url: str,
                                     corpus: list[Path]) -> None:
    admin = new_key(database_url)
    document_id = upload(api, admin, corpus[2]).json()["id"]
    number = linked(api, admin, document_id)
    issuer = api.get(f"/v1/accounts/{number['account_id']}", headers=admin).json()["issuer"]
    env = {"DATABASE_URL": database_url, "CUSTID_DATA_DIR": str(get_settings().data_dir)}
    erased = CliRunner().invoke(cli, ["erase", "--number", number["value"], "--issuer",
                                      issuer.upper()], env=env)
    assert erased.exit_code == 0, erased.output
    assert "erased 1 account(s) and 1 document(s)" in erased.output
    assert _rows_naming(database_url, {number["normalized"], document_id}) == []
    missing = CliRunner().invoke(cli, ["erase", "--account", "nope"], env=env)
    assert missing.exit_code == 2


@pytest.mark.parametrize("name", [b"../../etc/passwd", b"a\x00b/../..\\x.pdf", b"\xff\xfe\x00.pdf",
                                  b".."])
def test_upload_names_never_become_paths(api: TestClient, database_url: str, corpus: list[Path],
                                         name: bytes) -> None:
    admin = new_key(database_url)
    body = (b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name
            + b"\"\r\n\r\n" + corpus[0].read_bytes() + b"\r\n--xyz--\r\n")
    form = {"Content-Type": "multipart/form-data; boundary=xyz"}
    answer = api.post("/v1/documents", headers={**admin, **form}, content=body)
    assert answer.status_code == 202, answer.text
    stored = api.get(f"/v1/documents/{answer.json()['id']}", headers=admin).json()["filename"]
    assert "/" not in stored and "\\" not in stored and "\x00" not in stored
    assert stored not in ("", ".", "..")
    data = get_settings().data_dir
    assert [p.parent.parent for p in data.rglob("*") if p.is_file() and p.suffix != ".db"
            and "locks" not in p.parts and not p.name.startswith("custid.db")] == [
        data / "originals"]
    original = api.get(f"/v1/documents/{answer.json()['id']}/original", headers=admin)
    assert original.content == corpus[0].read_bytes()


def test_logs_mask_numbers(caplog: pytest.LogCaptureFixture) -> None:
    install_log_masking()
    with caplog.at_level(logging.INFO):
        logging.getLogger("workers.tasks").info("found %s for %s", "48213-7751",
                                                "0123456789abcdef0123456789abcdef")
    assert caplog.messages == [f"found {DOT * 4}7751 for 0123456789abcdef0123456789abcdef"]
