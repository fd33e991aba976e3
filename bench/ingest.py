"""Benchmark of `custid ingest` (not a test): a folder of generated PDFs ingested, against the
document rate of the service in the same run (uploads through the API of a `custid serve`
started here), and the memory of the ingest process (RSS after 500 files and at the end, peak).

    .venv/bin/python bench/ingest.py [--count 2000] [--seed 9]

Each run gets a fresh data directory (SQLite, the embedded default): the API upload, `custid
ingest` through the queue of the running serve (its default when serve runs), and `custid
ingest` with its own worker processes (serve stopped).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from extractor.service.auth import create_key
from extractor.service.db import database, upgrade
from extractor.service.serve import free_port
from samples.generator import generate

BATCH = 10  # files per upload request
SAMPLE_AT = 500


class Serve:
    """`custid serve` on a fresh data directory, with an API key."""

    def __init__(self, data: Path) -> None:
        self.data = data
        url = f"sqlite:///{data / 'custid.db'}"
        upgrade(url)
        with database(url).session() as session:
            _row, self.key = create_key(session, "default", "admin")
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, "CUSTID_DATA_DIR": str(data), "CUSTID_SWEEP_INTERVAL": "0"}
        for name in ("DATABASE_URL", "REDIS_URL"):
            self.env.pop(name, None)
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "custid"), "serve", "--port", str(port)],
            env=self.env, start_new_session=True, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        self.client = httpx.Client(base_url=self.url, timeout=120,
                                   headers={"Authorization": f"Bearer {self.key}"})
        deadline = time.monotonic() + 90
        while not self._ready():
            if time.monotonic() > deadline:
                raise TimeoutError("custid serve did not get ready")
            time.sleep(0.2)

    def _ready(self) -> bool:
        try:
            return self.client.get("/readyz").status_code == 200
        except httpx.HTTPError:
            return False

    def finished(self) -> int:
        total = 0
        for status in ("done", "failed"):
            offset: int | None = 0
            while offset is not None:
                page = self.client.get("/v1/documents", params={
                    "status": status, "limit": 500, "offset": offset}).json()
                total += len(page["items"])
                offset = page["next_offset"]
        return total

    def stop(self) -> None:
        self.client.close()
        self.process.send_signal(signal.SIGINT)
        self.process.wait(60)


def upload_rate(serve: Serve, files: list[Path]) -> float:
    start = time.perf_counter()
    for index in range(0, len(files), BATCH):
        batch = [("file", (p.name, p.read_bytes())) for p in files[index:index + BATCH]]
        assert serve.client.post("/v1/documents", files=batch).status_code == 202
    while serve.finished() < len(files):
        time.sleep(0.5)
    return len(files) / (time.perf_counter() - start)


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure_ingest(folder: Path, count: int, server: str | None, key: str | None) -> None:
    """In a process of its own: `custid ingest` (the library call), one JSON line of figures."""
    from extractor.cli.ingest import ingest_command
    from extractor.settings import get_settings

    samples: dict[int, int] = {}

    def sample(_outcome: object, counts: Counter[str]) -> None:
        finished = sum(counts[s] for s in ("done", "failed", "duplicate", "skipped",
                                           "unreadable"))
        if finished in (SAMPLE_AT, count):
            samples[finished] = rss_kib()

    settings = get_settings()
    start = time.perf_counter()
    status = ingest_command(settings, str(folder), server=server, key=key, workers=settings.workers,
                           on_outcome=sample)
    seconds = time.perf_counter() - start
    print(json.dumps({"status": status, "seconds": seconds, "rss_kib": samples,
                      "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def ingest_run(folder: Path, count: int, env: dict[str, str], *extra: str) -> dict:
    answer = subprocess.run(
        [sys.executable, __file__, "--measure", str(folder), "--count", str(count), *extra],
        env=env, capture_output=True, text=True, check=True)
    return json.loads(answer.stdout.splitlines()[-1])


def report(name: str, figures: dict, service: float, count: int) -> None:
    rate = count / figures["seconds"]
    rss = figures["rss_kib"]
    print(f"{name}: {rate:.1f} documents/s ({rate / service:.0%} of the service), "
          f"RSS {rss.get(str(SAMPLE_AT), 0) / 1024:.0f} MiB after {SAMPLE_AT} files, "
          f"{rss.get(str(count), 0) / 1024:.0f} MiB after {count}, "
          f"peak {figures['peak_rss_kib'] / 1024:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--server", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    args = parser.parse_args()
    count = args.count
    if args.measure:
        measure_ingest(args.measure, count, args.server, args.key)
        return
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        start = time.perf_counter()
        generate(root / "corpus", count, args.seed)
        print(f"generated {count} PDFs in {time.perf_counter() - start:.0f} s")
        files = sorted((root / "corpus").glob("*.pdf"))

        serve = Serve(root / "upload")
        try:
            service = upload_rate(serve, files)
        finally:
            serve.stop()
        print(f"service (API uploads of {BATCH}): {service:.1f} documents/s")

        serve = Serve(root / "queue")
        try:
            report("custid ingest, through the queue of custid serve",
                   ingest_run(root / "corpus", count, serve.env), service, count)
        finally:
            serve.stop()

        serve = Serve(root / "server")
        try:
            report("custid ingest --server", ingest_run(
                root / "corpus", count, serve.env, "--server", serve.url, "--key", serve.key),
                service, count)
        finally:
            serve.stop()

        env = {**os.environ, "CUSTID_DATA_DIR": str(root / "local")}
        report("custid ingest, its own worker processes",
               ingest_run(root / "corpus", count, env), service, count)


if __name__ == "__main__":
    main()
