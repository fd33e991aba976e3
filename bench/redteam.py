"""Replay the availability attacks of issue 24 (items 1, 3, 4) against a real API process
(uvicorn on the app, SQLite, no broker: uploads stay queued) and print, per attack, the API's
peak memory (VmHWM) and memory now (VmRSS), seconds, status codes, and the slowest /healthz
answer meanwhile (polled every 0.2 s, 1 s allowed).

    .venv/bin/python bench/redteam.py                     # this checkout
    PYTHONPATH=/tmp/main-before .venv/bin/python bench/redteam.py   # another checkout's code

The API runs with at most --memory-gb of address space (default 3), so that an attack that
would take the machine fails the API instead (reported as status 0: no answer)."""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from samples.hostile import huge_documents

BOUNDARY = "redteam"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _memory(pid: int) -> tuple[int, int]:
    """(peak, now) resident MB of the process, (0, 0) once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0, 0
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return (int(fields["VmHWM"].split()[0]) // 1024, int(fields["VmRSS"].split()[0]) // 1024)


class Health(threading.Thread):
    """Polls /healthz; `slowest` seconds of an answer (inf: none within 1 s)."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base, self.slowest, self.running = base, 0.0, True

    def run(self) -> None:
        with httpx.Client(timeout=1.0) as client:
            while self.running:
                start = time.monotonic()
                try:
                    client.get(self.base + "/healthz").raise_for_status()
                    self.slowest = max(self.slowest, time.monotonic() - start)
                except httpx.HTTPError:
                    self.slowest = float("inf")
                time.sleep(0.2)


Writer = Callable[[Callable[[bytes], None]], None]  # writes a body with the send it is given


def _raw(port: int, head: bytes, body: Writer, wait: float = 30.0) -> tuple[int, int]:
    """Send a request by hand (headers, then what `body` writes); (status, bytes of the body
    sent before the answer or the connection's end)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(head)

        def send(data: bytes) -> None:
            nonlocal sent
            sock.sendall(data)
            sent += len(data)
        with contextlib.suppress(OSError):  # the server closed on us: it answered
            body(send)
        try:
            answer = sock.recv(200)
        except OSError:
            return 0, sent
    return (int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0), sent


def _head(method: str, path: str, key: str | None, content_type: str, length: int) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Type: {content_type}",
             f"Content-Length: {length}"] + ([f"Authorization: Bearer {key}"] if key else [])
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _multipart(*parts: tuple[str, str | None, bytes]) -> bytes:
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data
        body += b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memory-gb", type=float, default=3.0)
    parser.add_argument("--stalled", type=int, default=100, help="stalled uploads at once")
    parser.add_argument("--fields", type=int, default=20_000, help="form fields in one upload")
    options = parser.parse_args()

    from extractor import extract
    from extractor.service.db import database
    from extractor.service.tables import Document

    data_dir = Path(tempfile.mkdtemp(prefix="custid-redteam-"))
    url = f"sqlite:///{data_dir / 'custid.db'}"
    env = {**os.environ, "CUSTID_DATA_DIR": str(data_dir), "DATABASE_URL": url,
           "REDIS_URL": f"redis://127.0.0.1:{_free_port()}/0", "CUSTID_SWEEP_INTERVAL": "0",
           "CUSTID_UPLOAD_IDLE_SECONDS": "5", "CUSTID_RATE_LIMIT": "1000"}
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    cap = int(options.memory_gb * (1 << 30))
    api = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "extractor.api.app:create_app", "--factory",
         "--port", str(port), "--log-level", "critical"], env=env,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (cap, cap)))
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        key = subprocess.run(
            [sys.executable, "-c", "from extractor.cli.main import app; app()", "keys", "create",
             "--workspace", "red", "--role", "admin"], env=env, capture_output=True, text=True,
            check=True).stdout.split()[-1]
        auth = {"Authorization": f"Bearer {key}"}
        client = httpx.Client(base_url=base, headers=auth, timeout=120)
        evidence = []
        for name, data in huge_documents().items():  # stored through the API, read here
            document_id = client.post("/v1/documents", files={"file": (name, data)}).json()["id"]
            with database(url).session() as session:
                row = session.get(Document, document_id)
                assert row is not None
                row.result, row.status = extract(data).model_dump(mode="json"), "done"
            evidence.append((name, f"/v1/documents/{document_id}/findings/0/evidence.png"))
        print(f"code: {sys.modules['extractor'].__file__}; API pid {api.pid}, "
              f"{options.memory_gb} GB address space at most")
        print(f"{'attack':46} {'status':>16} {'seconds':>8} {'peak MB':>8} {'now MB':>7} "
              f"{'healthz s':>9}")

        def attack(label: str, run: Callable[[], object]) -> None:
            health = Health(base)
            health.start()
            start = time.monotonic()
            outcome = run()
            seconds = time.monotonic() - start
            time.sleep(0.5)
            health.running = False
            health.join()
            peak, now = _memory(api.pid)
            print(f"{label:46} {outcome!s:>16} {seconds:8.2f} {peak:8} {now:7} "
                  f"{health.slowest:9.2f}")

        def get(path: str) -> int:
            try:
                return client.get(path).status_code
            except httpx.HTTPError:
                return 0

        for name, path in evidence:  # item 1
            attack(f"1 evidence of {name}", functools.partial(get, path))
            attack(f"1 evidence of {name}, again (cached)", functools.partial(get, path))

        def body_to_keys(size: int, with_key: bool) -> tuple[int, int]:
            """(status, MB sent before it) of a JSON body of `size` bytes."""
            def write(send: Callable[[bytes], None]) -> None:
                chunk = b" " * (1 << 20)
                for _ in range(size >> 20):
                    send(chunk)
            status, sent = _raw(port, _head("POST", "/v1/keys", key if with_key else None,
                                            "application/json", size), write)
            return status, sent >> 20

        attack("3 200 MB body to /v1/keys, no key (MB sent)", lambda: body_to_keys(200 << 20,
                                                                                  False))
        attack("3 50 MB body to /v1/keys, with a key (MB sent)", lambda: body_to_keys(50 << 20,
                                                                                     True))

        multipart = f"multipart/form-data; boundary={BOUNDARY}"

        def stalled() -> dict[int, int]:  # item 4: uploads that stop sending
            upload = _multipart(("file", "a.pdf", b"%PDF-1.4 " + b"a" * 5_000_000))

            def half(send: Callable[[bytes], None]) -> None:
                send(upload[:len(upload) // 2])

            def one(results: list[int]) -> None:
                head = _head("POST", "/v1/documents", key, multipart, len(upload))
                results.append(_raw(port, head, half, wait=60)[0])
            results: list[int] = []
            threads = [threading.Thread(target=one, args=(results,))
                       for _ in range(options.stalled)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return {status: results.count(status) for status in sorted(set(results))}

        attack(f"4 {options.stalled} stalled uploads (status: count)", stalled)
        fields = _multipart(*[(f"f{i}", None, b"x" * 16) for i in range(options.fields)],
                            ("file", "a.pdf", b"%PDF-1.4"))
        attack(f"4 {options.fields} form fields", lambda: client.post(
            "/v1/documents", content=fields, headers={"Content-Type": multipart}).status_code)
        whole = _multipart(("file", "cut.pdf", b"%PDF-1.4 " + os.urandom(200_000)))
        before = len(client.get("/v1/documents").json()["items"])
        attack("4 body cut before its closing boundary (stored)", lambda: (
            client.post("/v1/documents", content=whole[:len(whole) // 2],
                        headers={"Content-Type": multipart}).status_code,
            len(client.get("/v1/documents").json()["items"]) - before))
        attack("4 a 300-character boundary", lambda: client.post(
            "/v1/documents", content=whole.replace(BOUNDARY.encode(), b"b" * 300),
            headers={"Content-Type": "multipart/form-data; boundary=" + "b" * 300}).status_code)
        big = _multipart(*[("file", f"{i}.pdf", b"%PDF" + os.urandom(45 << 20))
                           for i in range(5)])
        attack("4 5 x 45 MB files in one request", lambda: client.post(
            "/v1/documents", content=big, headers={"Content-Type": multipart}).status_code)
        print(f"API alive at the end: {api.poll() is None}")
    finally:
        api.terminate()
        api.wait(10)


if __name__ == "__main__":
    main()
