"""Faults, with nothing lost: the real service on loopback (uvicorn, Celery worker processes,
Redis, SQLite or PostgreSQL) while a worker is killed, Redis restarts, the database goes away,
the disk fills up, and hostile files arrive. Each test prints its figures:
documents in, done, failed (with reasons), lost (must be 0), duplicates (must be 0)."""

from __future__ import annotations

import errno
import os
import selectors
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from extractor.service.db import database
from extractor.service.serve import (
    api_command,
    free_port,
    redis_command,
    wait_for_redis,
    worker_command,
)
from extractor.service.tables import Document, DocumentLink
from tests.conftest import new_key
from tests.hostile import corpus
from tests.pages import pdf_of
from tests.processes import live_processes, stop_all, wait


def document(number: int) -> tuple[str, bytes]:
    return f"bill-{number}.pdf", pdf_of([(50, 80, f"Customer No: {48_000_000 + number}")])


class Service:
    """The API and Celery workers as child processes, logs in one file."""

    def __init__(self, tmp_path: Path, database_url: str, broker: str, **env: str) -> None:
        self.env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": broker,
                    "CUSTID_DATA_DIR": str(tmp_path / "data"), "CUSTID_SWEEP_INTERVAL": "1",
                    "CUSTID_STUCK_AFTER": "10", "CUSTID_OCR": "off", **env}
        self.database_url = database_url
        self.logs = (tmp_path / "service.log").open("wb")
        self.url = f"http://127.0.0.1:{free_port()}"
        self.api = self._start(api_command("127.0.0.1", int(self.url.rsplit(":", 1)[1])))
        self.workers: list[subprocess.Popen] = []
        wait(lambda: httpx.get(f"{self.url}/healthz").status_code == 200, 30)
        self.client = httpx.Client(base_url=self.url, timeout=60,
                                   headers=new_key(database_url, "member"))

    def _start(self, argv: list[str]) -> subprocess.Popen:
        return subprocess.Popen(argv, env=self.env, stdout=self.logs, stderr=subprocess.STDOUT)

    def start_workers(self, count: int) -> None:
        self.workers += [self._start(worker_command(1)) for _ in range(count)]
        wait(lambda: httpx.get(f"{self.url}/readyz").json()["checks"].get("workers")
             == str(len(self.workers)), 60)

    def upload(self, files: list[tuple[str, bytes]]) -> httpx.Response:
        return self.client.post("/v1/documents", files=[("file", f) for f in files])

    def statuses(self) -> Counter[str]:
        with database(self.database_url).session() as session:
            return Counter(dict(session.execute(
                select(Document.status, func.count()).group_by(Document.status)).all()))

    def settle(self, count: int, seconds: float) -> dict[str, object]:
        """Wait until `count` documents are done or failed; the figures of the run."""
        wait(lambda: sum(self.statuses()[s] for s in ("done", "failed")) >= count, seconds)
        with database(self.database_url).session() as session:
            documents = session.scalars(select(Document)).all()
            links = session.execute(select(DocumentLink.document_id, DocumentLink.normalized))
            copies = Counter(session.scalars(select(Document.sha256)).all())
            doubled = Counter(tuple(row) for row in links)
        failed = Counter(d.error_code for d in documents if d.status == "failed")
        return {"in": count, "done": sum(d.status == "done" for d in documents),
                "failed": dict(failed), "lost": count - len(documents) + sum(
                    d.status not in ("done", "failed") for d in documents),
                "duplicates": sum(n - 1 for n in copies.values())
                + sum(n - 1 for n in doubled.values())}

    def stop(self) -> None:
        self.client.close()
        stop_all([self.api, *self.workers])
        self.logs.close()
        database(self.database_url).engine.dispose()


def pool_children(worker: subprocess.Popen) -> list[int]:
    """The prefork pool processes of a Celery worker."""
    return [process.pid for process in live_processes() if process.parent == worker.pid]


def report(name: str, figures: dict[str, object]) -> None:
    print(f"\n[{name}] {figures}")
    assert figures["lost"] == 0 and figures["duplicates"] == 0, figures


@pytest.fixture
def broker(redis_url: str) -> str:
    url = redis_url.rsplit("/", 1)[0] + "/2"
    redis.Redis.from_url(url).flushdb()
    return url


def test_worker_killed_mid_document(database_url: str, broker: str, tmp_path: Path) -> None:
    service = Service(tmp_path, database_url, broker, CUSTID_TASK_DELAY="2")
    try:
        service.start_workers(2)
        count = 4
        for number in range(count):
            assert service.upload([document(number)]).status_code == 202
        wait(lambda: service.statuses()["processing"] >= 1, 30)
        victims = pool_children(service.workers[0])
        assert victims
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        figures = service.settle(count, 90)
    finally:
        service.stop()
    report(f"SIGKILL a worker, {make_url(database_url).get_backend_name()}", figures)
    assert figures["done"] == count


def test_redis_restarts_during_an_ingest_of_200(postgres_url: str, database_url: str,
                                                tmp_path: Path) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("run on PostgreSQL")
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    (tmp_path / "redis").mkdir()
    server = subprocess.Popen(redis_command(tmp_path / "redis", port), stdout=subprocess.DEVNULL)
    wait_for_redis(url)
    service = Service(tmp_path, database_url, url)
    count, sent = 200, 0
    try:
        service.start_workers(2)
        for batch in range(count // 10):
            if batch == 5:
                server.terminate()
                server.wait()
            if batch == 12:
                server = subprocess.Popen(redis_command(tmp_path / "redis", port),
                                          stdout=subprocess.DEVNULL)
                wait_for_redis(url)
            answer = service.upload([document(batch * 10 + i) for i in range(10)])
            assert answer.status_code == 202, answer.text
            sent += 10
        figures = service.settle(count, 150)
    finally:
        service.stop()
        server.terminate()
        server.wait()
    report("Redis stopped and restarted during 200 uploads", figures)
    assert sent == count and figures["done"] == count


class Proxy:
    """A TCP proxy to `target`; `cut` closes every connection and refuses new ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, free_port()
        self.open = threading.Event()
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.resume()

    def resume(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self.open.set()
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self) -> None:
        self.open.clear()
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (Linux)
        self.listener.close()
        with self.lock:
            for sock in self.sockets:
                sock.close()
            self.sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while self.open.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        try:
            while True:
                for key, _ in selector.select():
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except (OSError, ValueError):
            return
        finally:
            a.close()
            b.close()


def test_database_unavailable(database_url: str, broker: str, tmp_path: Path) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("run on PostgreSQL")
    direct = make_url(database_url)
    proxy = Proxy((direct.host, direct.port))
    proxied = direct.set(port=proxy.port).render_as_string(hide_password=False)
    new_key(database_url)  # migrated
    service = Service(tmp_path, proxied, broker)
    try:
        service.start_workers(2)
        assert service.upload([document(i) for i in range(5)]).status_code == 202
        service.upload([document(i) for i in range(5, 8)])
        proxy.cut()
        refused = service.upload([document(100)])
        assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0
        assert refused.json()["detail"]["code"] == "unavailable"
        time.sleep(3)
        proxy.resume()
        wait(lambda: service.upload([document(9)]).status_code == 202, 30)
        figures = service.settle(9, 90)
    finally:
        service.stop()
        proxy.cut()
    with database(database_url).session() as session:
        names = set(session.scalars(select(Document.filename)))
    assert "bill-100.pdf" not in names
    assert list((tmp_path / "data" / "staging").iterdir()) == []
    report("database unavailable for 3 s", figures)
    assert figures["done"] == 9


def test_hostile_corpus_keeps_others_flowing(database_url: str, broker: str,
                                             tmp_path: Path) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("run on SQLite")
    good: list[tuple[str, bytes, set[str] | None]] = [(*document(i), None) for i in range(10)]
    bad = corpus()
    mixed = [item for pair in zip(good, bad, strict=False) for item in pair] + bad[len(good):]
    service = Service(tmp_path, database_url, broker, CUSTID_READER_MEMORY_MB="768",
                      CUSTID_OCR="auto")
    try:
        service.start_workers(2)
        answer = service.upload([(name, data) for name, data, _codes in mixed])
        ids = [accepted["id"] for accepted in answer.json()]
        figures = service.settle(len(ids), 120)
        bodies = [service.client.get(f"/v1/documents/{i}").json() for i in ids]
    finally:
        service.stop()
    for (name, _data, codes), body in zip(mixed, bodies, strict=True):
        if codes is None:
            assert body["status"] == "done" and body["result"]["findings"], name
        else:
            assert body["status"] == "failed" and body["error"]["code"] in codes, (name, body)
    report("hostile corpus with good documents", figures)


def test_disk_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from extractor.api.app import create_app
    from extractor.service.store import Staged
    from extractor.settings import get_settings

    data = tmp_path / "data"
    data.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(data)],
                             capture_output=True).returncode == 0
    if not mounted:
        def full(_self: Staged, _chunk: bytes) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")
        monkeypatch.setattr(Staged, "write", full)
    url = f"sqlite:///{tmp_path / 'custid.db'}"
    for name, value in {"DATABASE_URL": url, "CUSTID_DATA_DIR": str(data),
                        "CUSTID_SWEEP_INTERVAL": "0"}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        with TestClient(create_app()) as client:
            client.headers.update(new_key(url, "member"))
            big = pdf_of([(50, 80, "Customer No: 1")]) + os.urandom(3 * 1024 * 1024)
            answer = client.post("/v1/documents", files=[("file", ("big.pdf", big))])
            assert answer.status_code == 507 and answer.json()["detail"]["code"] == "disk_full"
            assert [p for p in data.rglob("*") if p.is_file()] == []
            assert client.get("/v1/documents").json()["items"] == []
    finally:
        database(url).engine.dispose()
        database.cache_clear()
        get_settings.cache_clear()
        if mounted:
            subprocess.run(["umount", str(data)], check=True)
    report(f"disk full ({'tmpfs 2 MB' if mounted else 'ENOSPC simulated'})",
           {"in": 1, "done": 0, "failed": {"507 disk_full": 1}, "lost": 0, "duplicates": 0})
