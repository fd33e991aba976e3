"""End to end, on SQLite and PostgreSQL: the API under uvicorn, two Celery worker processes on
the test Redis, 50 generated documents uploaded over HTTP, and a webhook server on loopback."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from extractor.masking import mask
from extractor.pipeline import Extractor
from extractor.service.serve import api_command, free_port, worker_command
from samples.generator import generate
from tests.conftest import Hooks, new_key
from tests.processes import stop_all, wait

COUNT = 50


@pytest.fixture
def service(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[str]:
    broker = redis_url.rsplit("/", 1)[0] + "/1"  # a Redis database of its own
    redis.Redis.from_url(broker).flushdb()
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": broker,
           "CUSTID_DATA_DIR": str(tmp_path / "data"), "CUSTID_WEBHOOK_ALLOW": "127.0.0.1"}
    port = free_port()
    logs = (tmp_path / "service.log").open("wb")
    children = [subprocess.Popen(api_command("127.0.0.1", port), env=env, stdout=logs,
                                 stderr=subprocess.STDOUT)]
    url = f"http://127.0.0.1:{port}"
    try:
        wait(lambda: httpx.get(f"{url}/healthz").status_code == 200, 30)  # migrated
        children += [subprocess.Popen(worker_command(1), env=env, stdout=logs,
                                      stderr=subprocess.STDOUT) for _ in range(2)]
        wait(lambda: httpx.get(f"{url}/readyz").json()["checks"].get("workers") == "2", 60)
        yield url
    finally:
        stop_all(children)
        logs.close()


def test_fifty_documents_through_the_service(service: str, hooks: Hooks, tmp_path: Path,
                                             database_url: str) -> None:
    extractor = Extractor()  # the packs the workers loaded
    corpus = tmp_path / "corpus"
    records = generate(corpus, COUNT, 5)
    ids: dict[str, str] = {}
    with httpx.Client(base_url=service, timeout=30, headers=new_key(database_url)) as client:
        for start in range(0, COUNT, 10):
            batch = records[start:start + 10]
            files = [("file", (r["file"], (corpus / r["file"]).read_bytes())) for r in batch]
            answer = client.post("/v1/documents", files=files, data={"webhook_url": hooks.url})
            assert answer.status_code == 202
            ids |= {r["file"]: a["id"] for r, a in zip(batch, answer.json(), strict=True)}

        def all_done() -> bool:
            page = client.get("/v1/documents", params={"status": "done", "limit": 500}).json()
            return len(page["items"]) == COUNT
        wait(all_done, 120)
        for record in records:
            body = client.get(f"/v1/documents/{ids[record['file']]}").json()
            local = extractor.extract_path(corpus / record["file"])
            assert [f["normalized"] for f in body["result"]["findings"]] == [
                mask(f.normalized) for f in local.findings]  # masked: no reveal asked
            assert {k["normalized"] for k in body["links"]} == {
                mask(f.normalized) for f in local.findings}
            assert all(k["account_id"] for k in body["links"] if k["status"] == "linked")
        labeled = {e["value"] for r in records for e in r["expected"]}
        assert labeled and client.get("/v1/accounts", params={"limit": 500}).json()["items"]
    wait(lambda: {h["id"] for h in hooks.received} >= set(ids.values()), 30)
    assert {h["status"] for h in hooks.received if h["id"] in ids.values()} == {"done"}
