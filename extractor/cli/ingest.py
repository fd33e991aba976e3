"""`custid ingest DIR`: every document under a folder into custid, with progress, a report of
every file, and safe to interrupt and run again (stored files are skipped by hash).

A mailbox (an mbox file, a Maildir folder) gives a row per message; ordinary mail that the
prefilter (`Extractor.worth_reading`) finds no number in is skipped, not stored.

`--watch` then keeps ingesting new files once they have stopped changing, or an IMAP account's
new mail, looked for every `--every` seconds.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import os
import shutil
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from extractor.cli.imap import imap_source
from extractor.errors import InputError, InternalError
from extractor.masking import mask
from extractor.pipeline import default_extractor
from extractor.read import mailbox
from extractor.read.imap import is_imap
from extractor.read.mailbox import MailMessage
from extractor.read.sniff import is_mbox
from extractor.service.db import database, upgrade
from extractor.service.sinks import (
    BATCH,
    Item,
    LocalSink,
    Outcome,
    QueueSink,
    ServerSink,
    Sink,
    name_of,
    queue_answers,
    service_redis,
)
from extractor.service.tables import DEFAULT_WORKSPACE
from extractor.settings import Settings, get_settings
from extractor.walk import HEAD_BYTES, Entry, check, documents, entries

IMAP_MARKS = "imap-marks.json"  # UIDVALIDITY and the last UID read per IMAP folder
WINDOW = 10 * BATCH  # files in flight through a service or its queue
COUNTED = ("done", "failed", "duplicate", "skipped", "unreadable")
PASSED_OVER = "no customer or account label in its text, nothing attached to read"


class ReportFile:
    """One row per file, written as it is known: CSV, or JSON lines for a .jsonl name."""

    def __init__(self, path: Path | None, reveal: bool) -> None:
        self.reveal = reveal
        self.handle: IO[str] | None = path.open("w", newline="", encoding="utf-8") if path else None
        self.jsonl = path is not None and path.suffix == ".jsonl"
        self.csv = csv.writer(self.handle) if self.handle and not self.jsonl else None
        if self.csv:
            self.csv.writerow(["path", "status", "error", "findings"])

    def write(self, outcome: Outcome) -> None:
        if self.handle is None:
            return
        findings = [dict(f) for f in outcome.findings]
        if not self.reveal:
            for finding in findings:
                finding["value"], finding["normalized"] = (
                    mask(finding["value"]), mask(finding["normalized"]))
        if self.csv:
            text = "; ".join(f"{f['kind']} {f['value']} ({f['label']}, page {f['page']}, "
                             f"{f['confidence']:.2f})" for f in findings)
            self.csv.writerow([outcome.path, outcome.status, outcome.error or "", text])
        else:
            self.handle.write(json.dumps({"path": outcome.path, "status": outcome.status,
                                          "error": outcome.error, "findings": findings},
                                         ensure_ascii=False) + "\n")
        self.handle.flush()

    def close(self) -> None:
        if self.handle:
            self.handle.close()


class Run:
    """Files handed to a sink with a bounded number in flight, counted, reported, shown."""

    def __init__(self, sink: Sink, report: ReportFile, window: int, console: Console,
                 move_to: Path | None = None, root: Path | None = None,
                 on_outcome: Callable[[Outcome, Counter[str]], None] | None = None,
                 limit: int = 0) -> None:
        self.sink, self.report, self.window = sink, report, window
        self.limit = limit or get_settings().max_file_bytes  # a message's bytes at most
        self.move_to, self.root, self.on_outcome = move_to, root, on_outcome
        self.counts: Counter[str] = Counter()
        self.inflight: dict[Future[Outcome], Item] = {}
        self.started = time.monotonic()
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(),
            TextColumn("found {task.fields[found]}  queued {task.fields[queued]}  "
                       "[green]done {task.fields[done]}[/]  [red]failed {task.fields[failed]}[/]"
                       "  duplicates {task.fields[duplicate]}  skipped {task.fields[skipped]}"),
            TextColumn("{task.fields[rate]:.1f} files/s"), TimeRemainingColumn(),
            console=console, transient=False)
        self.task = self.progress.add_task("ingest", total=None, rate=0.0,
                                           **self._fields("found", "queued", *COUNTED))

    def _fields(self, *names: str) -> dict[str, Any]:
        """These counts as the progress task's fields (which rich takes as `**fields: Any`)."""
        return {name: self.counts[name] for name in names}

    def found(self, count: int = 1, total: int | None = None) -> None:
        self.counts["found"] += count
        self.progress.update(self.task, found=self.counts["found"], total=total)

    def add(self, entry: Entry | MailMessage) -> None:
        """Hand a walked entry or a message on (waiting while the window is full), or report
        its problem; a message the prefilter passes over is skipped."""
        if isinstance(entry, MailMessage):
            self.add_message(entry)
            return
        if entry.mailbox is not None:  # found by --watch: its messages, stored ones duplicates
            for message in mailbox.messages(entry.path, entry.mailbox, self.limit):
                self.found()
                self.add_message(message)
            return
        if entry.problem is not None:
            self.finish(Outcome(str(entry.path), entry.status, entry.problem), entry.path)
            return
        self.submit(entry.path)

    def add_message(self, message: MailMessage) -> None:
        if message.problem is not None:
            problem: InputError = message.problem
            self.finish(Outcome(message.name, "failed", f"{problem.code}: {problem.message}"))
        elif not default_extractor().worth_reading(message.data):
            self.finish(Outcome(message.name, "skipped", PASSED_OVER))
        else:
            self.submit(message)

    def submit(self, item: Item) -> None:
        while len(self.inflight) >= self.window:
            self.collect(block=True)
        self.inflight[self.sink.submit(item)] = item
        self.counts["queued"] += 1
        self.progress.update(self.task, queued=self.counts["queued"])

    def collect(self, block: bool) -> None:
        if not self.inflight:
            return
        done, _ = wait(list(self.inflight), timeout=None if block else 0,
                       return_when=FIRST_COMPLETED)
        for future in done:
            path = self.inflight.pop(future)
            if future.cancelled():
                continue
            error = future.exception()
            outcome = future.result() if error is None else Outcome(
                name_of(path), "failed", f"{InternalError.code}: {error!r}")
            self.finish(outcome, path if isinstance(path, Path) else None)

    def finish(self, outcome: Outcome, path: Path | None = None) -> None:
        """Count and report an outcome; move its file (a message is not moved)."""
        status = outcome.status if outcome.status in COUNTED else "failed"
        self.counts[status] += 1
        self.report.write(outcome)
        if self.move_to and self.root and path and status in ("done", "failed", "duplicate"):
            _move(path, self.root, self.move_to)
        finished = sum(self.counts[name] for name in COUNTED)
        rate = finished / max(time.monotonic() - self.started, 1e-6)
        self.progress.update(self.task, completed=finished, rate=rate,
                             **self._fields(*COUNTED))
        if self.on_outcome:
            self.on_outcome(outcome, self.counts)

    def drain(self) -> None:
        while self.inflight:
            self.collect(block=True)

    def stop(self) -> None:
        """After Ctrl-C: nothing more starts; what is being processed is finished and reported."""
        for future in self.inflight:
            future.cancel()
        self.sink.close(cancel=True)
        self.collect(block=False)

    def summary(self) -> str:
        seconds = time.monotonic() - self.started
        finished = sum(self.counts[name] for name in COUNTED)
        parts = ", ".join(f"{self.counts[name]} {name}" for name in COUNTED)
        return (f"{self.counts['found']} files: {parts} in {seconds:.1f} s "
                f"({finished / max(seconds, 1e-6):.1f} files/s)")


def _move(path: Path, root: Path, target: Path) -> None:
    """Move a processed file to the same place under `target` (never over another file)."""
    try:
        destination = target / path.relative_to(root)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not destination.exists():
            shutil.move(path, destination)
    except (OSError, ValueError):
        pass  # left where it is: the next run sees it as a duplicate


def _messages(entry: Entry) -> int:
    """How many documents an entry is: one, or a mailbox's messages."""
    try:
        if entry.mailbox is None:
            with entry.path.open("rb") as handle:
                if not is_mbox(handle.read(HEAD_BYTES)):
                    return 1
        return mailbox.count(entry.path, entry.mailbox or "mbox")
    except OSError:
        return 1


def _count(top: Path, exclude: Path | None, run: Run) -> None:
    total = sum(_messages(entry) for entry in entries(top, exclude, sniffed=False))
    run.progress.update(run.task, total=total)


def ingest_folder(top: Path, run: Run, exclude: Path | None = None) -> None:
    """Walk `top` once and hand every document (and every mailbox's message) on; returns when
    all are finished."""
    threading.Thread(target=_count, args=(top, exclude, run), daemon=True).start()
    with run.progress:
        for entry in documents(top, run.limit, exclude):
            run.found()
            run.add(entry)
            run.collect(block=False)
        run.drain()


class _Changes(FileSystemEventHandler):
    """Paths of files created, changed or moved in, for the watch loop to look at."""

    def __init__(self) -> None:
        self.paths: set[str] = set()
        self.lock = threading.Lock()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in ("created", "modified", "moved",
                                                          "closed"):
            return
        path = getattr(event, "dest_path", "") or event.src_path
        with self.lock:
            self.paths.add(str(path))

    def take(self) -> set[str]:
        with self.lock:
            paths, self.paths = self.paths, set()
        return paths


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


def settled(pending: dict[Path, tuple[tuple[int, int] | None, float]], settle: float,
            now: float) -> Iterator[Path]:
    """Pending files whose size and mtime have not changed for `settle` seconds (updated in
    place: a changed file starts its wait again; a vanished one is dropped)."""
    for path, (signature, since) in list(pending.items()):
        current = _signature(path)
        if current is None:
            del pending[path]
        elif current != signature:
            pending[path] = (current, now)
        elif now - since >= settle:
            del pending[path]
            yield path


def watch(top: Path, run: Run, settle: float, poll: bool, exclude: Path | None = None) -> None:
    """Ingest what is there, then every new or changed file once it has settled, until Ctrl-C."""
    root = top.resolve()
    changes = _Changes()
    observer = PollingObserver(timeout=1) if poll else Observer()
    observer.schedule(changes, str(top), recursive=True)
    observer.start()
    pending: dict[Path, tuple[tuple[int, int] | None, float]] = {}

    def note(paths: Iterable[Path]) -> None:
        for path in paths:
            if exclude is None or not path.resolve().is_relative_to(exclude.resolve()):
                pending[path] = (_signature(path), time.monotonic())

    try:
        with run.progress:
            for entry in entries(top, exclude, sniffed=False):
                if entry.problem is None and entry.mailbox is None:
                    note([entry.path])
                else:  # a Maildir's messages now; new ones come as files of it
                    run.found(entry.mailbox is None)
                    run.add(entry)
            while True:
                time.sleep(0.25)
                note(Path(p) for p in changes.take())
                for path in settled(pending, settle, time.monotonic()):
                    entry = check(path, root)
                    run.found(entry.mailbox is None)  # a mailbox counts its messages
                    run.add(entry)
                run.collect(block=False)
    finally:
        observer.stop()
        observer.join()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _on_sigterm(handler: Any) -> Any:
    """Set SIGTERM's handler (in the main thread only: elsewhere it stays): the one before."""
    if threading.current_thread() is not threading.main_thread():
        return handler
    return signal.signal(signal.SIGTERM, handler)


def open_sink(settings: Settings, server: str | None, key: str | None,
              workers: int) -> tuple[Sink, int, str]:
    """The sink for this run, how many files it may have in flight, and its description."""
    if server:
        return ServerSink(server, key), WINDOW, f"the service at {server}"
    upgrade(settings.database)
    database(settings.database).ensure_workspace(DEFAULT_WORKSPACE, settings.workspace_mode)
    url = service_redis(settings)
    if url:
        os.environ["REDIS_URL"] = url  # the queue and the Celery app read it from here
        get_settings.cache_clear()
        if queue_answers(url):
            return QueueSink(get_settings()), WINDOW, "the queue of the running service"
    return LocalSink(workers), 2 * BATCH * workers, f"{workers} local worker processes"


def ingest_account(url: str, run: Run, settings: Settings, folders: list[str],
                   since: dt.date | None, errors: list[str], every: float | None = None) -> None:
    """Every new message of an IMAP account (after the marks of the runs before, kept in the
    data directory); returns when all are finished. The marks are saved only then: after an
    interrupted run the next fetches again what this one may not have stored (a duplicate by
    its hash if it did). With `every` (--watch), it then looks for new mail every `every`
    seconds until interrupted; an error after the first look is shown and the next look tries
    again (the server may be back)."""
    path = settings.data_dir / IMAP_MARKS
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        saved = {}
    marks = {key: tuple(value) for key, value in saved.items()}
    with run.progress:
        for look in itertools.count():
            known = len(errors)
            for message in imap_source(url, folders, since, settings, errors, marks):
                run.found()
                run.add(message)
                run.collect(block=False)
            run.drain()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(marks))
            if every is None or (look == 0 and len(errors) > known):
                return
            for error in errors[known:]:
                run.progress.console.print(f"[red]error:[/red] {error} (trying again)")
            time.sleep(every)


def ingest_command(settings: Settings, source: str, *, server: str | None = None,
                   key: str | None = None, report: Path | None = None, reveal: bool = False,
                   watching: bool = False, poll: bool = False, settle: float = 2.0,
                   move_to: Path | None = None, workers: int = 1,
                   on_outcome: Callable[[Outcome, Counter[str]], None] | None = None,
                   folders: list[str] | None = None, since: dt.date | None = None,
                   every: float = 30.0) -> int:
    """Run `custid ingest`; the exit status (2: a file failed or the IMAP account could not be
    read, 130: interrupted)."""
    console = Console(stderr=True)
    top = Path(source)
    errors: list[str] = []
    sink, window, where = open_sink(settings, server, key, workers)
    console.print(f"ingesting {source} into {where}")
    rows = ReportFile(report, reveal)
    run = Run(sink, rows, window, console, move_to, top, on_outcome, settings.max_file_bytes)
    interrupted = False
    # SIGTERM (a service manager's stop, `kill`) stops the run as Ctrl-C does: killed outright,
    # the command would leave its worker processes and multiprocessing's resource tracker.
    terminate = _on_sigterm(_interrupt)
    try:
        if is_imap(source):
            ingest_account(source, run, settings, folders or [], since, errors,
                           every if watching else None)
        elif watching:
            watch(top, run, settle, poll, move_to)
        else:
            ingest_folder(top, run, move_to)
        sink.close()
    except KeyboardInterrupt:
        interrupted = not watching
        run.stop()
    finally:
        _on_sigterm(terminate)
        rows.close()
    for error in errors:
        console.print(f"[red]error:[/red] {error}")
    console.print(run.summary())
    if report:
        console.print(f"report: {report}")
    if interrupted:
        console.print("interrupted: run the same command again to go on (stored files are "
                      "skipped)")
        return 130
    return 2 if run.counts["failed"] or run.counts["unreadable"] or errors else 0
