"""The HTTP API on SQLite and PostgreSQL, tasks run eagerly in the test process."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from extractor.masking import mask
from extractor.pipeline import Extractor
from extractor.service import processing, runner
from extractor.settings import get_settings
from samples.generator import generate
from tests.conftest import eager_client, new_key


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    generate(folder, 6, 11)
    return folder


@pytest.fixture
def client(database_url: str, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with eager_client(database_url, tmp_path / "data", monkeypatch,
                      max_upload_bytes="200000", webhook_allow="hooks.example.com") as client:
        yield client


def labeled(corpus: Path) -> list[dict]:
    lines = (corpus / "labels.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def send(client: TestClient, *paths: Path, **form: str):
    files = [("file", (p.name, p.read_bytes(), "application/pdf")) for p in paths]
    return client.post("/v1/documents", files=files, data=form)


def test_upload_status_result_and_dedupe(client: TestClient, corpus: Path) -> None:
    record = next(r for r in labeled(corpus) if r["expected"])
    path = corpus / record["file"]
    first = send(client, path)
    assert first.status_code == 202
    body = client.get(first.json()["status_url"], params={"reveal": True}).json()
    assert body["status"] == "done" and body["error"] is None
    assert body["result"]["sha256"] == body["sha256"]
    found = {f["normalized"] for f in body["result"]["findings"]}
    assert found and {link["normalized"] for link in body["links"]} == found
    again = send(client, path)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == "done"
    originals = Path(get_settings().data_dir / "originals")
    assert len([p for p in originals.rglob("*") if p.is_file()]) == 1
    assert client.get(f"/v1/documents/{body['id']}/original").content == path.read_bytes()


def test_several_files_listing_filters_and_pages(client: TestClient, corpus: Path) -> None:
    paths = sorted(corpus.glob("*.pdf"))
    answer = send(client, *paths)
    assert answer.status_code == 202 and len(answer.json()) == len(paths)
    page = client.get("/v1/documents", params={"limit": 4}).json()
    assert len(page["items"]) == 4 and page["next_offset"] == 4
    rest = client.get("/v1/documents", params={"limit": 4, "offset": 4}).json()
    assert len(rest["items"]) == len(paths) - 4 and rest["next_offset"] is None
    done = client.get("/v1/documents", params={"status": "done", "limit": 100}).json()["items"]
    assert len(done) == len(paths)
    issuer = next(d["issuer"] for d in done if d["issuer"])
    by_issuer = client.get("/v1/documents", params={"issuer": issuer.upper()}).json()["items"]
    assert by_issuer and all(d["issuer"] == issuer for d in by_issuer)
    assert all(0 < d["issuer_confidence"] <= 1 for d in done if d["issuer"])
    dated = next(d for d in done if d["document_date"])
    assert 0 < dated["document_date_confidence"] <= 1
    window = {"date_from": dated["document_date"], "date_to": dated["document_date"]}
    in_window = client.get("/v1/documents", params=window).json()["items"]
    assert dated["id"] in {d["id"] for d in in_window}
    if dated["kind"]:
        kinds = client.get("/v1/documents", params={"kind": dated["kind"]}).json()["items"]
        assert {d["kind"] for d in kinds} == {dated["kind"]}


def test_a_long_task_hands_the_rest_of_its_documents_on(
        client: TestClient, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "SPLIT_AFTER", 0.0)  # every task does one and queues the rest
    paths = sorted(corpus.glob("*.pdf"))
    ids = [accepted["id"] for accepted in send(client, *paths).json()]
    documents = [client.get(f"/v1/documents/{document_id}").json() for document_id in ids]
    assert [d["status"] for d in documents] == ["done"] * len(paths)
    assert all(d["result"]["sha256"] == d["sha256"] for d in documents)


def test_reprocess_and_delete(client: TestClient, corpus: Path) -> None:
    path = next(corpus.glob("*.pdf"))
    document_id = send(client, path).json()["id"]
    assert client.post(f"/v1/documents/{document_id}/reprocess").status_code == 202
    assert client.get(f"/v1/documents/{document_id}").json()["status"] == "done"
    assert client.delete(f"/v1/documents/{document_id}").status_code == 204
    assert client.get(f"/v1/documents/{document_id}").status_code == 404
    assert client.get(f"/v1/documents/{document_id}/original").status_code == 404
    assert send(client, path).status_code == 202  # stored anew


def test_several_files_answer_a_list_and_known_ones_200(client: TestClient, corpus: Path,
                                                         ) -> None:
    paths = sorted(corpus.glob("*.pdf"))[:2]
    first = send(client, *paths)
    assert first.status_code == 202
    assert [accepted["duplicate"] for accepted in first.json()] == [False, False]
    again = send(client, *paths)
    assert again.status_code == 200
    assert [accepted["id"] for accepted in again.json()] == [a["id"] for a in first.json()]
    assert all(accepted["duplicate"] for accepted in again.json())
    assert again.json()[0]["status_url"] == f"/v1/documents/{first.json()[0]['id']}"


def test_upload_limits_and_refusals(client: TestClient, tmp_path: Path, corpus: Path) -> None:
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * 300_000)
    assert send(client, big).status_code == 413
    assert client.post("/v1/documents", data={"x": "y"}).status_code == 400
    path = next(corpus.glob("*.pdf"))
    refused = send(client, path, webhook_url="http://127.0.0.1:9/hook")
    assert error_of(refused) == (422, "webhook_refused")
    staging = get_settings().data_dir / "staging"
    assert list(staging.iterdir()) == []


def error_of(answer: httpx.Response) -> tuple[int, str]:
    """The status and code of an error answer, which must be `{"detail": {"code", "message"}}`."""
    body = answer.json()
    assert body.keys() == {"detail"} and body["detail"]["message"], answer.text
    assert isinstance(body["detail"]["code"], str) and isinstance(body["detail"]["message"], str)
    return answer.status_code, body["detail"]["code"]


def test_every_error_answers_a_code_and_a_message(database_url: str, tmp_path: Path,
                                                  corpus: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = next(corpus.glob("*.pdf"))
    with eager_client(database_url, tmp_path / "data", monkeypatch,
                      max_upload_bytes=str(path.stat().st_size - 1), rate_limit="1") as client:
        nobody, reader = {"Authorization": ""}, new_key(database_url, "reader")

        def upload(headers: dict[str, str] | None = None) -> httpx.Response:
            files = [("file", (path.name, path.read_bytes(), "application/pdf"))]
            return client.post("/v1/documents", files=files, headers=headers)

        lookup = {"number": "4417751"}
        answers = {
            "no key": client.get("/v1/documents", headers=nobody),
            "no key to upload": upload(nobody),
            "a reader deletes": client.delete("/v1/documents/nope", headers=reader),
            "a reader uploads": upload(reader),
            "no such document": client.get("/v1/documents/nope"),
            "no such route": client.get("/v1/nothing-here"),
            "no such method": client.put("/v1/documents"),
            "too large": upload(),
            "no file": client.post("/v1/documents", data={"x": "y"}),
            "a limit too high": client.get("/v1/documents", params={"limit": 501}),
            "a bad body": client.post("/v1/accounts", json={"issuer": "Cox"}),
            "a first lookup": client.get("/v1/accounts", params=lookup),
            "one lookup too many": client.get("/v1/accounts", params=lookup),
        }
        assert answers.pop("a first lookup").status_code == 200
        assert {name: error_of(answer) for name, answer in answers.items()} == {
            "no key": (401, "unauthorized"), "no key to upload": (401, "unauthorized"),
            "a reader deletes": (403, "forbidden"), "a reader uploads": (403, "forbidden"),
            "no such document": (404, "not_found"), "no such route": (404, "not_found"),
            "no such method": (405, "method_not_allowed"), "too large": (413, "too_large"),
            "no file": (400, "bad_upload"), "a limit too high": (422, "invalid_request"),
            "a bad body": (422, "invalid_request"),
            "one lookup too many": (429, "rate_limited")}
        assert answers["no key"].headers["WWW-Authenticate"] == "Bearer"
        assert answers["no such method"].headers["Allow"]  # kept from Starlette
        assert int(answers["one lookup too many"].headers["Retry-After"]) > 0
        invalid = answers["a limit too high"].json()["detail"]
        assert invalid["message"].startswith("query.limit: ")
        assert [error["loc"] for error in invalid["errors"]] == [["query", "limit"]]


def test_a_server_error_answers_a_code_and_a_message(client: TestClient,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(processing, "document_query", broken)
    failing = TestClient(client.app, raise_server_exceptions=False, headers=client.headers)
    assert error_of(failing.get("/v1/documents")) == (500, "internal_error")


def test_accounts_and_review(client: TestClient, corpus: Path, extractor: Extractor) -> None:
    to_ocr = str.maketrans("0158", "OISB")
    path, result, finding = next(
        (path, result, f) for path in sorted(corpus.glob("*.pdf"))
        if (result := extractor.extract_path(path)).issuer
        for f in result.findings if f.normalized.translate(to_ocr) != f.normalized)
    variant = finding.normalized.translate(to_ocr)  # as if imported from a misread listing
    created = client.post("/v1/accounts", json={
        "issuer": f" {result.issuer.name.upper()} ", "number": variant, "kind": finding.kind,
        "holder": "Jane Doe"})
    assert created.status_code == 201
    account_id = created.json()["id"]
    document_id = send(client, path).json()["id"]
    item = next(i for i in client.get("/v1/review").json()["items"]
                if i["normalized"] == mask(finding.normalized))
    assert item["method"] == "confusable" and item["account_id"] == account_id
    assert item["confidence"] < finding.confidence and item["document_id"] == document_id
    decided = client.post(f"/v1/review/{item['id']}", json={"decision": "confirm"})
    assert decided.status_code == 200 and decided.json()["status"] == "linked"
    assert client.post(f"/v1/documents/{document_id}/reprocess").status_code == 202
    links = client.get(f"/v1/documents/{document_id}", params={"reveal": True}).json()["links"]
    kept = next(k for k in links if k["normalized"] == finding.normalized)
    assert (kept["decision"], kept["status"], kept["account_id"]) == ("confirm", "linked",
                                                                      account_id)
    detail = client.get(f"/v1/accounts/{account_id}", params={"reveal": True}).json()
    assert detail["holder"] == "Jane Doe" and detail["number"]["normalized"] == variant
    assert [d["document_id"] for d in detail["documents"]] == [document_id]
    found = client.get("/v1/accounts", params={"holder": "jane", "issuer": result.issuer.name})
    assert [a["id"] for a in found.json()["items"]] == [account_id]
    again = client.post("/v1/accounts", json={"issuer": result.issuer.name, "number": variant})
    assert again.status_code == 200 and again.json()["id"] == account_id


def test_what_startup_built_is_left_out_of_garbage_collections(client: TestClient) -> None:
    """A full collection over the app's routes, models and mappers stalls every request."""
    assert gc.get_freeze_count() > 10_000


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "checks": {}}
    assert client.get("/readyz").status_code == 503  # no Redis, no worker here
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    assert {"/v1/documents", "/v1/documents/{document_id}", "/v1/accounts", "/v1/review",
            "/v1/review/{link_id}", "/readyz"} <= paths.keys()
    upload = paths["/v1/documents"]["post"]  # a bare route, documented by hand
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert upload["security"] == [{"HTTPBearer": []}]
    assert {"200", "202", "400", "401", "403", "413"} <= upload["responses"].keys()
    assert {"Accepted", "DocumentOut"} <= schema["components"]["schemas"].keys()  # its $refs
