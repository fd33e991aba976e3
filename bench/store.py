"""Benchmark of the S3 store (not a test): documents per minute through the API (upload until
done) of one-page text PDFs with the originals in an S3 bucket (moto's server on loopback, a
real S3 HTTP endpoint) against the local store (the data dir), in the same run, in alternating
rounds. Prints the figure against the goal of issue 23 (at least 80% of the local rate).

    .venv/bin/python bench/store.py [--count 200] [--workers 2] [--rounds 2]

Runs everything itself on loopback (redis-server, moto_server, uvicorn, Celery) with SQLite in a
temporary data dir, as bench/service.py does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
from service import service_rate, verdict

from extractor.service.serve import free_port
from samples.generator import generate

GOAL = 0.8


def start_s3(folder: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    """moto's S3 server on a free loopback port, and the environment that points a store at it."""
    port = free_port()
    log = (folder / "moto.log").open("wb")
    server = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H",
                               "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "bench",
           "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
    client = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id="bench",
                          aws_secret_access_key="bench", region_name="us-east-1")
    deadline = time.monotonic() + 30
    while True:
        try:
            client.list_buckets()
            return server, env
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="one-page text PDFs per round")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--rounds", type=int, default=2, help="local and S3 runs each")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        generate(root / "corpus", args.count, 3)
        files = sorted((root / "corpus").glob("*.pdf"))
        server, s3_env = start_s3(root)
        try:
            local: list[float] = []
            s3: list[float] = []
            for round_ in range(args.rounds):
                local.append(service_rate(root, files, args.workers))
                bucket = {**s3_env, "CUSTID_STORE_URL": f"s3://bench-{round_}-{os.getpid()}/o"}
                s3.append(service_rate(root, files, args.workers, bucket))
                print(f"round {round_ + 1}: local {local[-1]:.0f}, S3 {s3[-1]:.0f} "
                      f"documents/min", flush=True)
        finally:
            server.terminate()
            server.wait()
    ratio = statistics.median(s3) / statistics.median(local)
    print(f"text PDFs ({len(files)}, {args.workers} workers): local store "
          f"{statistics.median(local):.0f} documents/min, S3 store (moto on loopback) "
          f"{statistics.median(s3):.0f} ({ratio:.0%}); goal >= {GOAL:.0%} of local: "
          f"{verdict(ratio >= GOAL)}")


if __name__ == "__main__":
    main()
