"""Against the real service (the API under uvicorn and a Celery worker on the test Redis): the
web page in a real browser (Debian's headless Chromium, driven by playwright-core under Node.js),
and `custid ingest --server`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from extractor.service.serve import api_command, free_port, worker_command
from tests.conftest import ROOT, SAMPLES, new_key
from tests.processes import stop_all, wait

SCRIPT = ROOT / "tests" / "browser" / "upload.mjs"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def service(redis_url: str, tmp_path_factory: pytest.TempPathFactory,
            ) -> Iterator[tuple[str, str]]:
    """The API and one worker on SQLite; (its URL, an API key)."""
    tmp_path = tmp_path_factory.mktemp("service")
    broker = redis_url.rsplit("/", 1)[0] + "/2"  # a Redis database of its own
    redis.Redis.from_url(broker).flushdb()
    database_url = f"sqlite:///{tmp_path / 'data' / 'custid.db'}"
    key = new_key(database_url)["Authorization"].removeprefix("Bearer ")
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": broker,
           "CUSTID_DATA_DIR": str(tmp_path / "data")}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    logs = (tmp_path / "service.log").open("wb")
    children = [subprocess.Popen(api_command("127.0.0.1", port), env=env, stdout=logs,
                                 stderr=subprocess.STDOUT),
                subprocess.Popen(worker_command(1), env=env, stdout=logs,
                                 stderr=subprocess.STDOUT)]
    try:
        wait(lambda: httpx.get(f"{url}/readyz", timeout=2).status_code == 200, 60)
        yield url, key
    finally:
        stop_all(children)
        logs.close()


def test_upload_through_the_page(service: tuple[str, str], tmp_path: Path) -> None:
    assert Path(CHROMIUM).exists(), "apt-get install chromium (scripts/setup.sh does)"
    assert (SCRIPT.parent / "node_modules" / "playwright-core").is_dir(), (
        "npm ci --prefix tests/browser (scripts/setup.sh does)")
    url, key = service
    page = httpx.get(url)
    assert page.status_code == 200 and 'src="/web/app.js"' in page.text
    assert httpx.get(f"{url}/web/style.css").status_code == 200
    screenshot = tmp_path / "page.png"
    env = {**os.environ, "CUSTID_URL": url, "CUSTID_KEY": key, "CHROMIUM": CHROMIUM,
           "CUSTID_FILE": str(SAMPLES / "doc-00002.pdf"), "CUSTID_EXPECT": "21915-5716",
           "CUSTID_SCREENSHOT": str(screenshot), "CUSTID_PROFILE": str(tmp_path / "profile")}
    run = subprocess.run(["node", str(SCRIPT)], env=env, capture_output=True, text=True,
                         timeout=150)
    print(f"screenshot: {screenshot}")
    assert run.returncode == 0, run.stderr + run.stdout
    seen = json.loads(run.stdout.splitlines()[-1])
    assert seen["number"] == "21915-5716" and seen["evidence_width"] > 0
    assert seen["progress"].endswith("done: 1 number found")
    assert screenshot.stat().st_size > 10_000


def test_ingest_through_the_service(service: tuple[str, str], tmp_path: Path) -> None:
    url, key = service
    folder = tmp_path / "bills"
    folder.mkdir()
    for name in ("doc-00001.pdf", "doc-00005.pdf"):
        (folder / name).write_bytes((SAMPLES / name).read_bytes())
    (folder / "copy.pdf").write_bytes((SAMPLES / "doc-00005.pdf").read_bytes())
    report = tmp_path / "report.jsonl"
    command = [str(Path(sys.executable).parent / "custid"), "ingest", str(folder),
               "--server", url, "--report", str(report)]
    run = subprocess.run(command, env={**os.environ, "CUSTID_API_KEY": key},
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    rows = {Path(r["path"]).name: r for r in map(json.loads, report.read_text().splitlines())}
    assert {n: r["status"] for n, r in rows.items()} == {
        "copy.pdf": "done", "doc-00001.pdf": "done", "doc-00005.pdf": "duplicate"}
    assert rows["doc-00005.pdf"]["findings"] == rows["copy.pdf"]["findings"]
    assert [f["value"] for f in rows["copy.pdf"]["findings"]] == ["\u2022" * 4 + "3429"]
