"""Against the real service (the API under uvicorn and a Celery worker on the test Redis): the
web page in a real browser (Debian's headless Chromium, driven by Python's playwright, which
brings its own driver and downloads no browser), and `custid ingest --server`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import redis
from playwright.sync_api import Page, sync_playwright

from extractor.service.serve import api_command, free_port, worker_command
from samples.mailboxes import messages, write_mbox
from tests.conftest import SAMPLES, new_key
from tests.processes import stop_all, wait

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 60_000


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


@contextmanager
def page_with_key(service: tuple[str, str], profile: Path, errors: list[str],
                  **options: object) -> Iterator[Page]:
    """The page in Chromium with the service's key set; errors on it are added to `errors`."""
    url, key = service
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS, **options)
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(url)
            page.get_by_label("API key (kept in this tab only)").fill(key)
            page.get_by_role("button", name="Use this key").click()
            page.get_by_text("The key is set for this tab.").wait_for()
            yield page
        finally:
            context.close()


def test_upload_through_the_page(service: tuple[str, str], tmp_path: Path) -> None:
    """Upload a bill through the web page, wait for its number and evidence image, and save a
    screenshot; no error on the page."""
    assert Path(CHROMIUM).exists(), "apt-get install chromium (scripts/setup.sh does)"
    url, _key = service
    answer = httpx.get(url)
    assert answer.status_code == 200 and 'src="/web/app.js"' in answer.text
    assert httpx.get(f"{url}/web/style.css").status_code == 200
    screenshot, expected = tmp_path / "page.png", "21915-5716"
    errors: list[str] = []
    with page_with_key(service, tmp_path / "profile", errors,
                       viewport={"width": 1100, "height": 1300}) as page:
        page.get_by_label("Documents to add").set_input_files(SAMPLES / "doc-00002.pdf")
        page.locator("#progress li.done").wait_for()
        progress = page.locator("#progress li").first.inner_text()

        page.get_by_label("Show full numbers").check()
        page.get_by_role("button", name="Look up").click()
        number = page.locator('[data-testid="number"]', has_text=expected)
        number.first.wait_for()
        page.wait_for_function("() => [...document.querySelectorAll('.number img')]"
                               ".some((image) => image.complete && image.naturalWidth > 0)")
        width = page.locator(".number img").first.evaluate("(image) => image.naturalWidth")
        page.screenshot(path=screenshot, full_page=True)
        seen = number.first.inner_text()
    print(f"screenshot: {screenshot}")
    assert not errors, f"errors on the page: {'; '.join(errors)}"
    assert seen == expected and width > 0
    assert progress.endswith("done: 1 number found")
    assert screenshot.stat().st_size > 10_000


def test_an_mbox_through_the_page(service: tuple[str, str], tmp_path: Path) -> None:
    """An mbox dropped on the page shows a line per message, each followed until done."""
    write_mbox(tmp_path / "export", messages(4, 0.5, 5, tmp_path / "generated"))
    errors: list[str] = []
    with page_with_key(service, tmp_path / "profile", errors) as page:
        page.get_by_label("Documents to add").set_input_files(tmp_path / "export")
        page.wait_for_function("() => document.querySelectorAll("
                               "'#progress .messages li.done').length === 4")
        lines = page.locator("#progress .messages li").all_inner_texts()
        heading = page.locator("#progress > li > span").nth(1).inner_text()
    assert not errors, f"errors on the page: {'; '.join(errors)}"
    assert heading == "4 messages"
    assert [line.split(":")[0] for line in lines] == [f"export#{n}" for n in range(1, 5)]
    assert any("number" in line and "0 numbers" not in line for line in lines)


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
