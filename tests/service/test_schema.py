"""The service against its own OpenAPI schema (schemathesis): whatever a valid key sends, no
5xx (but /readyz, which answers 503 without workers)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from extractor.service import runner
from extractor.service.db import database
from extractor.settings import get_settings
from tests.conftest import new_key
from workers.celery_app import celery_app

EXAMPLES = 20  # per operation



@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FastAPI, dict]]:
    from extractor.api.app import create_app

    url = f"sqlite:///{tmp_path / 'custid.db'}"
    for name, value in {"DATABASE_URL": url, "CUSTID_DATA_DIR": str(tmp_path / "data"),
                        "CUSTID_SWEEP_INTERVAL": "0", "CUSTID_MAX_UPLOAD_BYTES": "100000",
                        "CUSTID_OCR": "off", "CUSTID_RATE_LIMIT": "1000"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    celery_app.loader.import_default_modules()  # the tasks, as a worker has them
    get_settings.cache_clear()
    runner.context.cache_clear()
    app = create_app()
    with TestClient(app):
        yield app, new_key(url)
    database(url).engine.dispose()
    database.cache_clear()
    runner.context.cache_clear()
    get_settings.cache_clear()


def test_no_server_errors(api: tuple[FastAPI, dict]) -> None:
    app, key = api
    failures: list[str] = []
    for found in schemathesis.openapi.from_asgi("/openapi.json", app).get_all_operations():
        operation = found.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case: schemathesis.Case) -> None:
            response = case.call(headers=key)
            if response.status_code >= 500 and case.path != "/readyz":  # 503: no worker here
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code} "
                                f"{response.text[:200]}")

        call()
    assert failures == []
