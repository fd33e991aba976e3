"""Where `custid ingest` sends files: a running service over HTTP, the local Celery queue of
`custid serve`, or worker processes of its own. Each `submit(path)` gives a future Outcome.

A mailbox's messages (`MailMessage`s) go on as files do, their bytes for a file's.

Files go on in batches of up to BATCH, as the uploads of the API do: stored with one
transaction and one queue message per batch. Every sink stores a file once per workspace (by
its sha256): a file stored and finished before is a duplicate and is not processed again; one
stored but never finished by an earlier, interrupted run is processed now.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import queue as queues
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Protocol

import httpx
import redis
from sqlalchemy import select

from extractor.errors import InputError, InternalError
from extractor.read.mailbox import MailMessage
from extractor.service import admission, queue, runner
from extractor.service.db import Database, database
from extractor.service.serve import SERVE_FILE
from extractor.service.store import Staged, Store, open_store
from extractor.service.tables import DEFAULT_WORKSPACE, Document, now
from extractor.settings import Settings

FINISHED = ("done", "failed")
BATCH = 10  # files per batch, as many as an upload of the service benchmark carries
GATHER_SECONDS = 0.05  # a batch waits this long for more files
CHUNK = 1 << 20
POLL_SECONDS = 0.2
State = tuple[str, dict | None, dict | None]  # a document's status, error and result


@dataclass(slots=True)
class Outcome:
    """What became of one file: done, failed, duplicate, skipped or unreadable."""

    path: str
    status: str
    error: str | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, path: str, status: str, error: dict | None, result: dict | None,
           duplicate: bool = False) -> Outcome:
        """From a document's status, error ({code, message}) and result (as stored)."""
        findings = [{k: f[k] for k in ("kind", "value", "normalized", "label", "page",
                                       "confidence")} for f in (result or {}).get("findings", [])]
        message = f"{error['code']}: {error['message']}" if error else None
        return cls(path, "duplicate" if duplicate else status, message, findings)


Sent = tuple[str, bool] | Outcome  # a document to follow (and whether stored before), or done
Item = Path | MailMessage  # a file, or a message of a mailbox


def name_of(item: Item) -> str:
    """What the report calls an item: a file's path, a message's name."""
    return item.name if isinstance(item, MailMessage) else str(item)


def filename_of(item: Item) -> str:
    """The stored document's file name: a message's is its name's last part, as an .eml."""
    if isinstance(item, MailMessage):
        return f"{item.name.rsplit('/', 1)[-1]}.eml"
    return item.name


class Sink(Protocol):
    def submit(self, path: Item) -> Future[Outcome]: ...

    def close(self, cancel: bool = False) -> None: ...


def service_redis(settings: Settings) -> str | None:
    """REDIS_URL, or the Redis of a `custid serve` on this data directory."""
    if settings.redis_url:
        return settings.redis_url
    try:
        return json.loads((settings.data_dir / SERVE_FILE).read_text())["redis_url"]
    except (OSError, ValueError, KeyError):
        return None


def queue_answers(url: str) -> bool:
    """Is Redis there, and does a worker answer on it? (Ask once REDIS_URL is set.)"""
    try:
        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False
    return queue.workers_answering(timeout=1.0, limit=1) > 0


def _failure(path: Item, exc: BaseException) -> Outcome:
    if isinstance(exc, InputError):
        return Outcome(name_of(path), "failed", f"{exc.code}: {exc.message}")
    if isinstance(exc, OSError):
        return Outcome(name_of(path), "unreadable", exc.strerror or str(exc))
    return Outcome(name_of(path), "failed", f"{InternalError.code}: {exc!r}")


def _chunks(item: Item) -> Iterator[bytes]:
    if isinstance(item, MailMessage):
        yield item.data
        return
    with item.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _digest(path: Item) -> str:
    sha = hashlib.sha256()
    for chunk in _chunks(path):
        sha.update(chunk)
    return sha.hexdigest()


def _stage(store: Store, settings: Settings, path: Item) -> Staged:
    staged = store.stage(settings.max_upload_bytes)
    try:
        for chunk in _chunks(path):
            staged.write(chunk)
            staged.drain()
    except BaseException:
        staged.discard()
        raise
    return staged


@dataclass(slots=True)
class Admitted:
    """A file of a batch: its document and whether to process it, or why there is none."""

    path: Item
    document_id: str = ""
    todo: bool = False
    failure: Outcome | None = None


def admit_files(db: Database, store: Store, settings: Settings, paths: list[Item],
                since: dt.datetime, enqueue: bool) -> list[Admitted]:
    """Store and record the files not stored before, in one transaction (`admission.admit`).

    A document stored but not finished before `since` (this run's start) was left by an
    interrupted run and is processed again (queued again, when `enqueue`); one stored since is
    another path's of this run, in progress. Not `enqueue`d, the caller processes the `todo`s.
    """
    items, digests = [], {}
    for path in paths:
        try:
            digests[path] = _digest(path)
            items.append(Admitted(path))
        except OSError as exc:
            items.append(Admitted(path, failure=_failure(path, exc)))
    with db.session() as session:
        known = {row.sha256: row for row in session.execute(
            select(Document.id, Document.sha256, Document.status, Document.updated_at).where(
                Document.workspace_id == DEFAULT_WORKSPACE,
                Document.sha256.in_(set(digests.values()))))}
    upload, fresh, stale = admission.Upload(), [], []
    for item in (i for i in items if i.failure is None):
        row = known.get(digests[item.path])
        if row is not None:
            item.document_id = row.id
            item.todo = row.status not in FINISHED and row.updated_at < since
            stale += [row.id] if item.todo else []
            continue
        try:
            upload.files.append((filename_of(item.path), _stage(store, settings, item.path)))
            fresh.append(item)
        except (InputError, OSError) as exc:
            item.failure = _failure(item.path, exc)
    if fresh:
        arrivals = [admission.Arrival(DEFAULT_WORKSPACE, upload)]
        admitted = admission.admit(db, store, arrivals, enqueue)
        for item, (document_id, new) in zip(fresh, admitted[0], strict=True):
            item.document_id, item.todo = document_id, new
    if enqueue and stale:
        queue.enqueue(stale)
    return items


def _state(document: Document) -> State:
    error = ({"code": document.error_code, "message": document.error_message or ""}
             if document.error_code else None)
    return document.status, error, document.result


def states(db: Database, ids: list[str]) -> dict[str, State]:
    with db.session() as session:
        return {d.id: _state(d) for d in session.scalars(
            select(Document).where(Document.id.in_(ids)))}


class _Batching:
    """Files gathered into batches by a thread of their own, each batch handled by `handle`."""

    def __init__(self) -> None:
        self.inbox: queues.Queue[tuple[Item, Future[Outcome]] | None] = queues.Queue()
        self.gatherer = threading.Thread(target=self._gather, daemon=True)
        self.gatherer.start()

    def submit(self, path: Item) -> Future[Outcome]:
        future: Future[Outcome] = Future()
        self.inbox.put((path, future))
        return future

    def _gather(self) -> None:
        while (first := self.inbox.get()) is not None:
            batch = [first]
            try:
                while len(batch) < BATCH:
                    item = self.inbox.get(timeout=GATHER_SECONDS)
                    if item is None:
                        self.inbox.put(None)
                        break
                    batch.append(item)
            except queues.Empty:
                pass
            batch = [(p, f) for p, f in batch if f.set_running_or_notify_cancel()]
            if batch:
                self.handle(batch)

    def handle(self, batch: list[tuple[Item, Future[Outcome]]]) -> None:
        raise NotImplementedError

    def close(self, cancel: bool = False) -> None:
        self.inbox.put(None)
        self.gatherer.join()


def _settle(future: Future[Outcome], outcome: Outcome) -> None:
    if not future.done():
        future.set_result(outcome)


def _local_init() -> None:
    # The parent stops the run on Ctrl-C and SIGTERM (sent to the whole process group too, by
    # a terminal or a service manager): these finish the batch they have, then are shut down.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    runner.context()


def _local_batch(paths: list[Item], since: dt.datetime) -> list[Outcome]:
    """In a worker process: store the files, then run the Celery task's function on them here."""
    ctx = runner.context()
    items = admit_files(ctx.db, ctx.store, ctx.settings, paths, since, enqueue=False)
    todo = [item.document_id for item in items if item.todo]
    if todo:
        runner.run(todo)
    found = states(ctx.db, [item.document_id for item in items if item.failure is None])
    return [item.failure or Outcome.of(name_of(item.path), *found[item.document_id],
                                       duplicate=not item.todo) for item in items]


class LocalSink(_Batching):
    """Worker processes of this command (one per core), on the embedded database."""

    def __init__(self, workers: int) -> None:
        self.pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                                        initializer=_local_init)
        self.since = now()
        super().__init__()

    def handle(self, batch: list[tuple[Item, Future[Outcome]]]) -> None:
        futures = [future for _path, future in batch]

        def done(outcomes: Future[list[Outcome]]) -> None:
            error = outcomes.exception()
            results = outcomes.result() if error is None else [
                _failure(path, error) for path, _f in batch]
            for future, outcome in zip(futures, results, strict=True):
                _settle(future, outcome)

        try:
            self.pool.submit(_local_batch, [p for p, _f in batch], self.since
                             ).add_done_callback(done)
        except RuntimeError:  # shut down meanwhile
            for future in futures:
                future.cancel()

    def close(self, cancel: bool = False) -> None:
        super().close(cancel)
        self.pool.shutdown(wait=True, cancel_futures=cancel)


class _Followed(_Batching):
    """Batches handed on by a few threads; their documents asked after every `poll_seconds`
    until finished."""

    poll_seconds = POLL_SECONDS

    def __init__(self, threads: int) -> None:
        self.threads = ThreadPoolExecutor(threads)
        self.pending: dict[str, list[tuple[str, Future[Outcome], bool]]] = {}
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.poller = threading.Thread(target=self._poll, daemon=True)
        self.poller.start()
        super().__init__()

    def handle(self, batch: list[tuple[Item, Future[Outcome]]]) -> None:
        self.threads.submit(self._hand_on, batch)

    def _hand_on(self, batch: list[tuple[Item, Future[Outcome]]]) -> None:
        try:
            sent = self.send([path for path, _future in batch])
        except Exception as exc:
            sent = [_failure(path, exc) for path, _future in batch]
        for (path, future), item in zip(batch, sent, strict=True):
            if isinstance(item, Outcome):
                _settle(future, item)
            else:
                with self.lock:
                    self.pending.setdefault(item[0], []).append((name_of(path), future, item[1]))

    def _poll(self) -> None:
        while not self.stopped.wait(self.poll_seconds):
            with self.lock:
                ids = list(self.pending)
            if not ids:
                continue
            try:
                finished = {i: s for i, s in self.states(ids).items() if s[0] in FINISHED}
            except Exception:  # the next round tries again
                continue
            for document_id, state in finished.items():
                with self.lock:
                    waiting = self.pending.pop(document_id, [])
                for path, future, duplicate in waiting:
                    _settle(future, Outcome.of(path, *state, duplicate))

    def close(self, cancel: bool = False) -> None:
        super().close(cancel)
        self.threads.shutdown(wait=True, cancel_futures=cancel)
        if cancel:
            with self.lock:
                waiting = [f for futures in self.pending.values() for _p, f, _d in futures]
                self.pending.clear()
            for future in waiting:
                future.cancel()
        else:
            while self.pending and not self.stopped.wait(self.poll_seconds):
                pass
        self.stopped.set()
        self.poller.join()

    def send(self, paths: list[Item]) -> list[Sent]:
        """Per file, the document to follow, or its outcome already."""
        raise NotImplementedError

    def states(self, ids: list[str]) -> dict[str, State]:
        raise NotImplementedError


class QueueSink(_Followed):
    """The Celery queue and workers of a running `custid serve`, on the same database."""

    def __init__(self, settings: Settings, threads: int = 2) -> None:
        self.settings = settings
        self.db = database(settings.database)
        self.store = open_store(settings)
        self.since = now()
        super().__init__(threads)

    def send(self, paths: list[Item]) -> list[Sent]:
        items = admit_files(self.db, self.store, self.settings, paths, self.since, enqueue=True)
        return [item.failure or (item.document_id, not item.todo) for item in items]

    def states(self, ids: list[str]) -> dict[str, State]:
        return states(self.db, ids)


class ServerSink(_Followed):
    """A custid service over HTTP: batches of files streamed in uploads, a few at once."""

    poll_seconds = 0.25

    def __init__(self, url: str, key: str | None, uploads: int = 4) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = httpx.Client(base_url=url, headers=headers, timeout=300)
        super().__init__(uploads)

    def send(self, paths: list[Item]) -> list[Sent]:
        handles = [path.data if isinstance(path, MailMessage) else path.open("rb")
                   for path in paths]
        try:
            answer = self.client.post("/v1/documents", files=[
                ("file", (filename_of(path), handle)) for path, handle in zip(paths, handles,
                                                                              strict=True)])
        finally:
            for handle in handles:
                if not isinstance(handle, bytes):
                    handle.close()
        body = answer.json()
        if answer.status_code >= 400:
            if len(paths) > 1:  # which one: each on its own
                return [item for path in paths for item in self.send([path])]
            return [Outcome.of(name_of(paths[0]), "failed", body["detail"], None)]
        if "status" in body:  # one file, stored before: the document itself
            return [Outcome.of(name_of(paths[0]), body["status"], body["error"], body["result"],
                               duplicate=True)]
        return [(a["id"], a["duplicate"]) for a in (body if isinstance(body, list) else [body])]

    def states(self, ids: list[str]) -> dict[str, State]:
        """Oldest first, up to the first one not finished: the younger ones wait for the next
        round (about one request per document)."""
        found: dict[str, State] = {}
        for document_id in ids:
            body = self.client.get(f"/v1/documents/{document_id}").json()
            found[document_id] = (body["status"], body["error"], body["result"])
            if body["status"] not in FINISHED:
                break
        return found

    def close(self, cancel: bool = False) -> None:
        super().close(cancel)
        self.client.close()
