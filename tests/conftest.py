"""Shared fixtures: the real services scripts/test.sh started, and a configured extractor."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine

from extractor.pipeline import Extractor
from extractor.service.auth import Role, create_key
from extractor.service.db import database, upgrade
from extractor.settings import Settings

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "docs"
TIERS = ("unit", "ocr", "service", "e2e")  # the folders under tests/, fastest first


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test is marked with its tier, the folder it is in (`-m unit` is the fast loop)."""
    for item in items:
        tier = item.path.parent.name
        if tier not in TIERS:
            raise pytest.UsageError(f"{item.nodeid}: a test lives in one of tests/{TIERS}")
        item.add_marker(tier)


def new_key(database_url: str, role: Role = "admin", workspace: str = "default") -> dict[str, str]:
    """Authorization headers of a new API key (the database migrated first)."""
    upgrade(database_url)
    with database(database_url).session() as session:
        _row, key = create_key(session, workspace, role)
    return {"Authorization": f"Bearer {key}"}


@contextmanager
def eager_client(database_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                 **env: str) -> Iterator[TestClient]:
    """The API in-process, its Celery tasks run eagerly, with an admin key; `env` adds
    CUSTID_ settings (`max_upload_bytes="200000"` sets CUSTID_MAX_UPLOAD_BYTES)."""
    from fastapi.testclient import TestClient

    from extractor.api.app import create_app
    from extractor.service import runner
    from extractor.settings import get_settings
    from workers.celery_app import celery_app

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CUSTID_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CUSTID_SWEEP_INTERVAL", "0")
    for name, value in env.items():
        monkeypatch.setenv(f"CUSTID_{name.upper()}", value)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    celery_app.loader.import_default_modules()  # the tasks, as a worker has them
    get_settings.cache_clear()
    runner.context.cache_clear()
    try:
        with TestClient(create_app()) as client:
            client.headers.update(new_key(database_url))
            yield client
    finally:
        database(database_url).engine.dispose()
        database.cache_clear()
        runner.context.cache_clear()
        get_settings.cache_clear()


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    return Extractor(Settings())


def _started(variable: str) -> str:
    """Where scripts/test.sh started a server for the suite."""
    url = os.environ.get(variable)
    if not url:
        pytest.fail(f"{variable} is not set: run the suite with scripts/test.sh")
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    return _started("CUSTID_TEST_REDIS_URL")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return _started("CUSTID_TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database: SQLite in tmp_path, or a PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'custid.db'}"
        return
    server = request.getfixturevalue("postgres_url")
    name = f"custid_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield f"{server.rsplit('/', 1)[0]}/{name}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    return _started("CUSTID_TEST_S3_ENDPOINT")


@pytest.fixture(params=["local", "s3"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> str:
    """CUSTID_STORE_URL of a new, empty store: a folder in tmp_path, or a bucket of the S3
    endpoint scripts/test.sh started (its address and credentials in the AWS_ variables)."""
    if request.param == "local":
        return str(tmp_path / "store")
    for name, value in (("AWS_ENDPOINT_URL", request.getfixturevalue("s3_endpoint")),
                        ("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    return f"s3://custid-{uuid.uuid4().hex[:12]}/originals"


@dataclass
class Hooks:
    """A webhook receiver on loopback: its URL, and the bodies it was sent."""

    url: str
    received: list[dict] = field(default_factory=list)


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            made.received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    made = Hooks(f"http://127.0.0.1:{server.server_port}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield made
    server.shutdown()
