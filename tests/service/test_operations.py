"""What an operator watches: /metrics, JSON log lines and `custid status`."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from typer.testing import CliRunner

from extractor.masking import install_log_masking
from extractor.service import logs, metrics, queue
from extractor.service.db import database
from extractor.service.serve import worker_command
from extractor.service.tables import Document
from extractor.settings import get_settings
from tests.conftest import SAMPLES, eager_client
from tests.processes import stop_all, wait

TOKEN = "metrics-token-for-tests"
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}
TEXT_PDF = SAMPLES / "doc-00002.pdf"


def sample(client: TestClient, name: str, **labels: str) -> float:
    """A sample's value on /metrics (0 when it is not there yet)."""
    answer = client.get("/metrics", headers=SCRAPER)
    assert answer.status_code == 200, answer.text
    return sum(s.value for family in text_string_to_metric_families(answer.text)
               for s in family.samples if s.name == name and labels.items() <= s.labels.items())


def upload(client: TestClient, path: Path, **form: str) -> str:
    with path.open("rb") as file:
        answer = client.post("/v1/documents", files={"file": (path.name, file)}, data=form)
    assert answer.status_code == 202, answer.text
    return answer.json()["id"]


def test_metrics_need_the_token(database_url: str, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    with eager_client(database_url, tmp_path / "data", monkeypatch) as client:
        assert client.get("/metrics").status_code == 404  # no token set: off
    with eager_client(database_url, tmp_path / "data", monkeypatch,
                      metrics_token=TOKEN) as client:
        api_key = client.headers["Authorization"]
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": api_key}):
            answer = client.get("/metrics", headers=headers)
            assert (answer.status_code, answer.json()["detail"]["code"]) == (401, "unauthorized")
        assert client.get("/metrics", headers=SCRAPER).status_code == 200


def test_counters_move_after_a_processed_document(database_url: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with eager_client(database_url, tmp_path / "data", monkeypatch,
                      metrics_token=TOKEN) as client:
        done = {"status": "done", "text_source": "text"}
        before = (sample(client, "custid_documents_total", **done),
                  sample(client, "custid_extraction_seconds_count", text_source="text"),
                  sample(client, "custid_upload_seconds_count"))
        document_id = upload(client, TEXT_PDF)
        assert client.get(f"/v1/documents/{document_id}").json()["status"] == "done"
        after = (sample(client, "custid_documents_total", **done),
                 sample(client, "custid_extraction_seconds_count", text_source="text"),
                 sample(client, "custid_upload_seconds_count"))
        assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1, 1]

        # A webhook the worker may not call (loopback, not allowed) is counted, by its code.
        refused = sample(client, "custid_webhook_failures_total", code="webhook_refused")
        with database(database_url).session() as session:
            session.execute(update(Document).where(Document.id == document_id)
                            .values(webhook_url="http://127.0.0.1:9/hook"))
        from workers.tasks import notify
        notify(document_id)
        assert sample(client, "custid_webhook_failures_total", code="webhook_refused") \
            == refused + 1
        assert "custid_queue_depth" in client.get("/metrics", headers=SCRAPER).text


def test_json_log_lines_parse_and_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    install_log_masking()
    handler = logging.StreamHandler(io.StringIO())
    logger = logging.getLogger("extractor.test_operations")
    logger.addHandler(handler)
    monkeypatch.setattr(logging.getLogger(), "handlers", list(logging.getLogger().handlers))
    try:
        logs.use_format("json")
        logger.warning("document of %s took %d ms", "21915-5716", 12)
        try:
            raise ValueError("number 4411223344 rejected")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
        logging.captureWarnings(False)
    first, second = map(json.loads, handler.stream.getvalue().splitlines()[:2])
    assert {k: first[k] for k in ("level", "logger", "message")} == {
        "level": "WARNING", "logger": "extractor.test_operations",
        "message": "document of ••••5716 took 12 ms"}
    assert first["time"].endswith("+00:00")
    assert "••••3344" in second["exception"] and "4411223344" not in second["exception"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_real_worker_counts_logs_json_and_status_shows_it(
        database_url: str, redis_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The API in-process, a Celery worker process on Redis and PostgreSQL: the worker's values
    reach /metrics through the multi-process files, its log lines are JSON, and `custid status`
    sees it and its document."""
    from extractor.cli.main import app

    broker = redis_url.rsplit("/", 1)[0] + "/7"  # a database of its own: no one else's messages
    redis.Redis.from_url(broker).flushdb()
    data = tmp_path / "data"
    monkeypatch.setenv("REDIS_URL", broker)
    monkeypatch.setenv("CUSTID_DATA_DIR", str(data))
    get_settings.cache_clear()
    env = {**os.environ, "DATABASE_URL": database_url, "CUSTID_LOG_FORMAT": "json",
           **metrics.multiprocess_env(get_settings())}
    worker = subprocess.Popen(worker_command(1), env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    # The API's messages go to the test's Redis, not eagerly; the suite's eager app stays as is.
    on_redis = queue.make_celery(get_settings())
    monkeypatch.setattr(queue, "celery_app", lambda: on_redis)
    try:
        with eager_client(database_url, data, monkeypatch, metrics_token=TOKEN) as client:
            monkeypatch.setenv(metrics.MULTIPROC_DIR, env[metrics.MULTIPROC_DIR])
            document_id = upload(client, TEXT_PDF)
            wait(lambda: client.get(f"/v1/documents/{document_id}").json()["status"] == "done",
                 120)
            assert sample(client, "custid_documents_total", status="done",
                          text_source="text") == 1
            status = CliRunner().invoke(app, ["status", "--json"])
            assert status.exit_code == 0, status.output
            found = json.loads(status.output)
            assert found["queue_depth"] == {"celery": 0}
            assert len(found["workers"]) == 1 and found["workers"][0].startswith("custid-")
            assert found["documents_per_minute"] == 0.2  # 1 in the last 5 minutes
            assert (found["failures_last_hour"], found["failures_by_code"]) == (0, {})
            text = CliRunner().invoke(app, ["status"])
            assert "workers: 1 (custid-" in text.output
            assert "documents a minute: 0.2" in text.output
    finally:
        stop_all([worker])
        get_settings.cache_clear()
    lines = worker.stderr.read().splitlines() if worker.stderr else []
    assert lines and all(json.loads(line)["level"] for line in lines)
    assert any("ready" in json.loads(line)["message"] for line in lines)
