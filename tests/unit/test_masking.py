"""Log lines: what is shaped like a customer number is masked; addresses, ports, durations,
sizes, dates, counts and PIDs stay readable."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from celery.app import trace
from celery.worker.consumer.consumer import CONNECTION_ERROR, CONNECTION_RETRY_STEP

from extractor.masking import DOT, install_log_masking, mask_log_text
from extractor.service.serve import free_port

TASK_ID = "6f1d0c3e-3b7a-4f0e-9a8e-1c2d3e4f5a6b"


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    install_log_masking()
    with caplog.at_level(logging.INFO):
        yield caplog


async def _hello(scope: dict, _receive: object, send: object) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
    await send({"type": "http.response.body", "body": b"hello"})  # type: ignore[operator]


def test_a_real_uvicorn_startup_stays_readable(logged: pytest.LogCaptureFixture) -> None:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(_hello, host="127.0.0.1", port=port, log_config=None,
                                           lifespan="off"))
    thread = threading.Thread(target=server.run)
    thread.start()
    try:
        while not server.started:
            thread.join(0.05)
        assert httpx.get(f"http://127.0.0.1:{port}/v1/accounts?number=4417751").text == "hello"
    finally:
        server.should_exit = True
        thread.join()
    messages = logged.messages
    assert f"Started server process [{os.getpid()}]" in messages
    assert f"Uvicorn running on http://127.0.0.1:{port} (Press CTRL+C to quit)" in messages
    assert f"Finished server process [{os.getpid()}]" in messages
    access = next(m for m in messages if "GET /v1/accounts" in m)
    assert access.startswith("127.0.0.1:") and access.endswith(
        f'"GET /v1/accounts?number={DOT * 4}7751 HTTP/1.1" 200')


def test_celerys_lines_stay_readable(logged: pytest.LogCaptureFixture) -> None:
    """Celery's own formats, through its own loggers."""
    worker, consumer = logging.getLogger("celery.apps.worker"), logging.getLogger(
        "celery.worker.consumer.consumer")
    task = {"name": "workers.tasks.process_documents", "id": TASK_ID}
    worker.info("Connected to %s", "redis://127.0.0.1:6379/0")
    worker.info("%s ready.", "custid-1a2b3c4d@debian")
    worker.info(trace.LOG_RECEIVED, task)
    worker.info(trace.LOG_SUCCESS, {**task, "runtime": 0.01234, "return_value": None})
    consumer.error(CONNECTION_ERROR, "redis://localhost:6390//",
                   "Error 111 connecting to localhost:6390. Connection refused.",
                   CONNECTION_RETRY_STEP.format(when="in 2.00 seconds", retries=1,
                                                max_retries=100))
    worker.info("Process 'ForkPoolWorker-1' pid:123456 exited with 'exitcode 0'")
    assert logged.messages == [
        "Connected to redis://127.0.0.1:6379/0",
        "custid-1a2b3c4d@debian ready.",
        f"Task workers.tasks.process_documents[{TASK_ID}] received",
        f"Task workers.tasks.process_documents[{TASK_ID}] succeeded in 0.01234s: None",
        "consumer: Cannot connect to redis://localhost:6390//: Error 111 connecting to "
        "localhost:6390. Connection refused..\nTrying again in 2.00 seconds... (1/100)\n",
        "Process 'ForkPoolWorker-1' pid:123456 exited with 'exitcode 0'"]


@pytest.mark.parametrize("line", [
    "listening on 192.168.100.200:54321 and [::1]:8000, ::1:54321, fe80::1ff:fe23:4567:890a",
    "Connected to postgresql+psycopg://custid@db.example.com:54321/custid",
    "api.example.com:8443 and localhost:63790 answer",
    "connection to server at \"127.0.0.1\", port 54321 failed",
    "read 1.2 MB (1048576 bytes) in 12 ms, then 0.25 s, 12345 µs, 90000 s; 99.75% done",
    "on 2024-05-01 12:00:00.123456, at 2024-05-01T12:00:00.123+02:00, 31.12.2024, 12/31/2024",
    '"GET /v1/documents HTTP/1.1" 200, 404 and 503',
    "sweep: 12000 stuck documents, 11500 documents requeued",
    "Started server process [123456]; pid 4194304; PID=77777",
    "document 0123456789abcdef0123456789abcdef (0x7f3a2b1c4d50) failed",
    "Running upgrade 0001 -> 0002, api keys and audit; port 8000; in 2024",
])
def test_what_is_not_a_number_stays(line: str) -> None:
    assert mask_log_text(line) == line


@pytest.mark.parametrize(("line", "masked"), [
    ("Customer ID 4417751", f"Customer ID {DOT * 4}7751"),
    ("account AC-5512-ZZ linked", f"account {DOT * 4}12ZZ linked"),
    ("number 219155716.", f"number {DOT * 4}5716."),
    ("found 48213-7751 and 4417 7512 33", f"found {DOT * 4}7751 and {DOT * 4}1233"),
    ("id4417751, account_4417751, doc-44177.pdf",
     f"id{DOT * 4}7751, account_{DOT * 4}7751, doc-{DOT * 4}4177.pdf"),
    ("FR7630006000011234567890189 then 12345", f"{DOT * 4}0189 then {DOT * 4}2345"),
    ("GET /v1/accounts?number=21915-5716", f"GET /v1/accounts?number={DOT * 4}5716"),
])
def test_what_is_shaped_like_a_number_is_masked(line: str, masked: str) -> None:
    assert mask_log_text(line) == masked


def test_exception_messages_are_masked(logged: pytest.LogCaptureFixture) -> None:
    try:
        raise ValueError("customer 4417751 unknown at 10.0.0.1:5432")
    except ValueError:
        logging.getLogger("extractor.service.runner").exception("document %s failed",
                                                                "0123456789abcdef" * 2)
    [record] = logged.records
    assert record.getMessage() == f"document {'0123456789abcdef' * 2} failed"
    assert record.exc_text is not None and record.exc_text.endswith(
        f"ValueError: customer {DOT * 4}7751 unknown at 10.0.0.1:5432")
