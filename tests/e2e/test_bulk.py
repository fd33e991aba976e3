"""`custid ingest DIR` into the embedded database with local worker processes: the report, a
second run that skips by hash, a killed run that a second run completes, a run stopped with
SIGTERM that leaves no process behind, what a folder walk must not follow or read, and `--watch`
with a file written slowly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from extractor.service.db import Database
from extractor.service.tables import Document
from samples.generator import generate
from tests.processes import kill_group, live_processes

CUSTID = str(Path(sys.executable).parent / "custid")


def ingest(folder: Path, data: Path, *args: str, **popen: object) -> subprocess.Popen:
    env = {**os.environ, "CUSTID_DATA_DIR": str(data), "CUSTID_WORKERS": "2", "COLUMNS": "160"}
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    return subprocess.Popen([CUSTID, "ingest", str(folder), *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **popen)


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[int, str]:
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


def rows(report: Path) -> dict[str, dict]:
    return {Path(r["path"]).name: r for r in map(json.loads, report.read_text().splitlines())}


def documents(data: Path) -> list[tuple[str, str]]:
    db = Database(f"sqlite:///{data / 'custid.db'}")
    with db.session() as session:
        found = session.execute(select(Document.sha256, Document.status)).all()
    db.engine.dispose()
    return [tuple(row) for row in found]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    generate(folder / "in", 8, 21)
    return folder / "in"


def test_report_rerun_and_what_is_not_followed(corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    (folder / "nested").mkdir(parents=True)
    for index, pdf in enumerate(sorted(corpus.glob("*.pdf"))):
        (folder / ("nested" if index % 2 else "") / pdf.name).write_bytes(pdf.read_bytes())
    (folder / "copy.pdf").write_bytes((corpus / "doc-00001.pdf").read_bytes())
    secret = tmp_path / "outside.pdf"
    secret.write_bytes((corpus / "doc-00002.pdf").read_bytes())
    (folder / "escape.pdf").symlink_to(secret)
    (folder / "escape-dir").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(folder / "pipe.pdf")
    (folder / "gone.pdf").symlink_to(folder / "deleted.pdf")  # unreadable: no such file
    if os.geteuid() != 0:  # root reads any file
        (folder / "locked.pdf").write_bytes(b"%PDF-1.4")
        (folder / "locked.pdf").chmod(0)
    data, report = tmp_path / "data", tmp_path / "report.jsonl"

    status, output = finish(ingest(folder, data, "--report", str(report), "--reveal"))
    assert status == 2, output  # a file was unreadable; every other one was still done
    first = rows(report)
    twins = {"copy.pdf", "doc-00001.pdf"}  # the same bytes: one is stored, the other not
    [twin] = [name for name in twins if first[name]["status"] == "duplicate"]
    assert {name: r["status"] for name, r in first.items() if r["status"] != "done"} == {
        "escape.pdf": "skipped", "escape-dir": "skipped", "pipe.pdf": "skipped",
        "gone.pdf": "unreadable", twin: "duplicate",
        **({"locked.pdf": "unreadable"} if os.geteuid() != 0 else {})}
    assert "outside.pdf" not in first
    assert "8 done" in output and "1 duplicate" in output
    labels = [json.loads(line) for line in (corpus / "labels.jsonl").read_text().splitlines()]
    for label in labels:
        name = label["file"] if label["file"] != twin else (twins - {twin}).pop()
        assert {f["value"] for f in first[name]["findings"]} >= {
            e["value"] for e in label["expected"]}
    assert len(documents(data)) == 8 and all(s == "done" for _h, s in documents(data))

    again = tmp_path / "again.csv"
    status, output = finish(ingest(folder, data, "--report", str(again)))
    assert status == 2 and "0 done" in output and "9 duplicate" in output, output
    lines = again.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "path,status,error,findings"
    masked = [line for line in lines if ",duplicate," in line and "\u2022" * 4 in line]
    assert masked, "numbers are masked in the report unless --reveal"
    assert len(documents(data)) == 8


def test_killed_run_is_completed_by_the_next(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    generate(folder, 120, 4)
    data, report = tmp_path / "data", tmp_path / "first.jsonl"
    process = ingest(folder, data, "--report", str(report), start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
            report.exists() and sum(r["status"] == "done" for r in rows(report).values()) >= 4):
        time.sleep(0.05)
    kill_group(process.pid)  # the command and its worker processes, mid-run
    process.wait()
    done_before = sum(status == "done" for _sha, status in documents(data))
    assert 4 <= done_before < 120, done_before

    status, output = finish(ingest(folder, data, "--report", str(tmp_path / "second.jsonl")))
    assert status == 0, output
    second = rows(tmp_path / "second.jsonl")
    pdfs = {p.name for p in folder.glob("*.pdf")}
    assert {name for name, r in second.items() if r["status"] in ("done", "duplicate")} == pdfs
    stored = documents(data)
    assert len(stored) == len({sha for sha, _s in stored}) == 120
    assert {s for _h, s in stored} == {"done"}


@pytest.mark.parametrize("to", ["command", "group"])
def test_terminated_run_stops_its_workers_and_leaves_no_process(to: str, tmp_path: Path) -> None:
    """SIGTERM (`kill`, or a service manager to every process of the command) ends the command
    as Ctrl-C does: nothing more starts, what is being processed is finished and reported, and
    its worker processes and multiprocessing's resource tracker end with it."""
    folder = tmp_path / "docs"
    generate(folder, 120, 5)
    data, report = tmp_path / "data", tmp_path / "first.jsonl"
    process = ingest(folder, data, "--report", str(report), start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
                report.exists() and sum(r["status"] == "done" for r in rows(report).values()) >= 4):
            time.sleep(0.05)
        workers = [p for p in live_processes() if p.group == process.pid != p.pid]
        assert workers, "the run's worker processes were started"
        if to == "command":
            process.send_signal(signal.SIGTERM)
        else:
            os.killpg(process.pid, signal.SIGTERM)
        status, output = finish(process, 90)
        assert status == 130 and "interrupted" in output, output
        deadline = time.monotonic() + 10  # the resource tracker ends once its pipe closes
        while time.monotonic() < deadline and any(
                p.group == process.pid for p in live_processes()):
            time.sleep(0.05)
        assert [p for p in live_processes() if p.group == process.pid] == []
    finally:
        kill_group(process.pid)
    reported = rows(report)
    assert 4 <= len(reported) < 120
    assert {r["status"] for r in reported.values()} == {"done"}
    stored = documents(data)  # the batches being processed were finished, the others not begun
    assert len(stored) >= len(reported) and {status for _sha, status in stored} == {"done"}


def test_watch_waits_for_a_file_to_be_complete(corpus: Path, tmp_path: Path) -> None:
    folder, moved = tmp_path / "inbox", tmp_path / "processed"
    folder.mkdir()
    data, report = tmp_path / "data", tmp_path / "watch.jsonl"
    # A file counts as complete once unchanged for --settle seconds: it is written a part every
    # 0.4 s, a tenth of that, so that a stalled test process (a loaded machine) does not look
    # like a writer that is done.
    process = ingest(folder, data, "--watch", "--settle", "4", "--move-to", str(moved),
                     "--report", str(report), "--reveal")
    try:
        # Watching once the report is there: the command opens it before it watches, and a file
        # made before the watch began is found by the walk that follows (not by a fixed sleep,
        # which a slow start outlasted: no report yet to read).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not report.exists():
            time.sleep(0.05)
        assert process.poll() is None and report.exists(), "the command did not start"
        pdf = (corpus / "doc-00002.pdf").read_bytes()
        target = folder / "slow.pdf"
        with target.open("wb") as handle:
            for start in range(0, len(pdf), len(pdf) // 5 + 1):
                handle.write(pdf[start:start + len(pdf) // 5 + 1])
                handle.flush()
                time.sleep(0.4)
                assert not report.read_text(), "read before it was complete"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not report.read_text():
            time.sleep(0.2)
        [row] = rows(report).values()
        assert row["status"] == "done" and row["findings"], row
        assert (moved / "slow.pdf").read_bytes() == pdf and not target.exists()
    finally:
        process.send_signal(signal.SIGINT)
        status, output = finish(process, 60)
    assert status == 0, output
    assert len(documents(data)) == 1
