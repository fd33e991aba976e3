"""Benchmark of the service (not a test): documents per minute through the API, upload until
done, with 1 and 2 worker processes, against the in-process rate on the same files; and the p99
upload latency of 1 MB PDFs, 20 at a time.

    .venv/bin/python bench/service.py [--count 200] [--uploads 220]

Runs everything itself on loopback (redis-server, uvicorn, Celery) with SQLite in a temporary
data dir, the configuration `custid serve` has by default.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from extractor.db import upgrade
from extractor.pipeline import Extractor
from extractor.serve import (
    Supervisor,
    api_command,
    free_port,
    redis_command,
    wait_for_redis,
    worker_command,
)
from extractor.settings import Settings
from samples.generator import generate

BATCH = 10  # files per upload request


def in_process_rate(files: list[Path]) -> float:
    extractor = Extractor(Settings())
    extractor.extract_path(files[0])  # warm
    start = time.perf_counter()
    for path in files:
        extractor.extract_path(path)
    return len(files) / (time.perf_counter() - start) * 60


def wait_until(check, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.05)


class Service:
    """redis-server, the API and a Celery worker of `workers` processes, on a fresh data dir."""

    def __init__(self, root: Path, workers: int) -> None:
        self.data = Path(tempfile.mkdtemp(dir=root))
        port, redis_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, "CUSTID_DATA_DIR": str(self.data),
                    "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "CUSTID_SWEEP_INTERVAL": "0"}
        self.env.pop("DATABASE_URL", None)
        self.supervisor = Supervisor()
        upgrade(f"sqlite:///{self.data / 'custid.db'}")
        quiet = subprocess.DEVNULL
        self.supervisor.start("redis", redis_command(self.data, redis_port), self.env, quiet)
        wait_for_redis(self.env["REDIS_URL"])
        self.supervisor.start("worker", worker_command(workers), self.env, quiet)
        self.supervisor.start("api", api_command("127.0.0.1", port), self.env, quiet)
        self.client = httpx.Client(base_url=self.url, timeout=60)
        wait_until(self._ready, 60)

    def _ready(self) -> bool:
        try:
            return self.client.get("/readyz").status_code == 200
        except httpx.HTTPError:
            return False

    def count(self, status: str) -> int:
        total, offset = 0, 0
        while True:
            page = self.client.get("/v1/documents", params={
                "status": status, "limit": 500, "offset": offset}).json()
            total += len(page["items"])
            if page["next_offset"] is None:
                return total
            offset = page["next_offset"]

    def close(self) -> None:
        self.client.close()
        self.supervisor.stop()


def service_rate(root: Path, files: list[Path], workers: int) -> float:
    service = Service(root, workers)
    try:
        start = time.perf_counter()
        for index in range(0, len(files), BATCH):
            batch = [("file", (p.name, p.read_bytes())) for p in files[index:index + BATCH]]
            assert service.client.post("/v1/documents", files=batch).status_code == 202
        wait_until(lambda: service.count("done") + service.count("failed") >= len(files), 600)
        return len(files) / (time.perf_counter() - start) * 60
    finally:
        service.close()


def upload_latency(root: Path, sample: Path, uploads: int, concurrency: int = 20) -> list[float]:
    """Seconds per upload of distinct ~1 MB PDFs (the sample padded after %%EOF)."""
    pdf = sample.read_bytes()
    padding = 1024 * 1024 - len(pdf)
    bodies = [pdf + b"\n%" + os.urandom(padding // 2).hex().encode() for _ in range(uploads)]
    service = Service(root, 1)
    try:
        def one(body: bytes) -> float:
            start = time.perf_counter()
            answer = service.client.post("/v1/documents", files={"file": ("big.pdf", body)})
            assert answer.status_code == 202, answer.text
            return time.perf_counter() - start
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, bodies[:concurrency]))  # warm connections
            return list(pool.map(one, bodies[concurrency:]))
    finally:
        service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="one-page text PDFs")
    parser.add_argument("--uploads", type=int, default=220, help="1 MB uploads")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        generate(root / "corpus", args.count, 3)
        files = sorted((root / "corpus").glob("*.pdf"))
        local = in_process_rate(files)
        print(f"in-process: {local:.0f} documents/min ({len(files)} one-page text PDFs)")
        for workers in (1, 2):
            rate = service_rate(root, files, workers)
            print(f"service, {workers} worker process(es): {rate:.0f} documents/min "
                  f"({rate / local:.0%} of in-process)")
        times = sorted(upload_latency(root, files[0], args.uploads))
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f"upload 1 MB, 20 concurrent: p50 {statistics.median(times) * 1000:.1f} ms, "
              f"p99 {p99 * 1000:.1f} ms ({len(times)} uploads)")


if __name__ == "__main__":
    main()
