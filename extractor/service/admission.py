"""Ingest stage: stream an upload to disk within the size limit, hash it, dedupe it within the
workspace, record the document and queue it. An uploaded mbox (told by its first bytes) is split
into its messages, each then an upload of its own."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import threading
from collections.abc import AsyncIterator, Awaitable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from queue import SimpleQueue
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from kombu.exceptions import KombuError
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from extractor.errors import (
    BadUpload,
    InputError,
    MalformedDocument,
    TooLarge,
    TooManyMessages,
    UploadStalled,
)
from extractor.read import mailbox
from extractor.read.sniff import is_mbox, sniff
from extractor.service import processing, queue
from extractor.service.db import Database, lock_files
from extractor.service.store import Staged, Store
from extractor.service.tables import Document, new_id
from extractor.settings import Settings

if TYPE_CHECKING:  # python_multipart defines it for type checkers only
    from python_multipart.multipart import MultipartCallbacks

log = logging.getLogger(__name__)
MAX_FILES = 100
MAX_FIELD_BYTES = 4096
_WRITERS = ThreadPoolExecutor(MAX_FILES // 10, thread_name_prefix="custid-write")
T = TypeVar("T")
GROUP = 64  # uploads recorded together at most
MBOX_HEAD = 1024  # a file's first bytes, which tell an mbox
HOLD = 4 << 20  # bytes received before they are hashed and written, in a thread: off the event
# loop, whose one core (and the GIL) all uploads share, while the other cores hash and write.
# Most uploads are smaller: the admitter writes them, with the rest of their group (a trip to a
# thread and back to the event loop took 16 ms under load here); larger ones are written as they
# come.


def display_name(raw: bytes) -> str:
    """An upload's file name for display only (it never becomes a path): the last part after
    any slash or backslash, without control characters, valid UTF-8, at most 255 characters."""
    name = raw.decode("utf-8", "replace").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[:255] if name not in ("", ".", "..") else "upload"


@dataclass
class Upload:
    """The files of a multipart request, staged on disk, and its other (small) fields."""

    files: list[tuple[str, Staged]] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    mailboxes: set[int] = field(default_factory=set)  # which files are mboxes, by position

    def discard(self) -> None:
        for _name, staged in self.files:
            staged.discard()

    @property
    def held(self) -> int:
        """Bytes received and not yet written (see Staged)."""
        return sum(staged.held for _name, staged in self.files)

    def drain(self) -> None:
        for _name, staged in self.files:
            staged.drain()


class Bounds(NamedTuple):
    """What one upload request may hold beside its files' sizes, and how long it may pause."""

    request_bytes: int
    fields: int
    idle_seconds: float

    @classmethod
    def of(cls, settings: Settings) -> Bounds:
        return cls(settings.max_request_bytes, settings.max_form_fields,
                   settings.upload_idle_seconds)


class _Receiver:
    """python-multipart callbacks: file parts go straight to staged files, fields to memory."""

    def __init__(self, store: Store, limit: int, fields: int, upload: Upload,
                 mailbox_limit: int) -> None:
        self.store, self.limit, self.upload = store, limit, upload
        self.fields_left = fields  # of any name, repeated ones too
        self.mailbox_limit = mailbox_limit
        self.head: bytearray | None = None  # a file's first bytes, until it is told an mbox or not
        self.header_name = self.header_value = b""
        self.disposition = b""
        self.field: bytearray | None = None
        self.name = ""
        self.staged: Staged | None = None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_name.lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_name = self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        self.disposition = b""
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if name == "file":
            if len(self.upload.files) >= MAX_FILES:
                raise BadUpload(f"at most {MAX_FILES} files per request")
            self.staged = self.store.stage(self.limit)
            self.upload.files.append((display_name(options.get(b"filename", b"")), self.staged))
            self.head = bytearray()
        elif not self.fields_left:
            raise BadUpload("too many form fields besides the files")
        else:
            self.fields_left -= 1
            self.field, self.name = bytearray(), name

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.staged is not None:
            if self.head is not None:
                self.head += data[start:min(end, start + MBOX_HEAD)]
                if len(self.head) >= MBOX_HEAD:
                    self._tell(self.staged)
            self.staged.write(memoryview(data)[start:end])  # not copied
        elif self.field is not None:
            self.field += data[start:end]
            if len(self.field) > MAX_FIELD_BYTES:
                raise BadUpload(f"form field {self.name!r} is too long")

    def _tell(self, staged: Staged) -> None:
        """Is the file at hand an mbox? It may then be larger than other uploads (its messages,
        not it, are the documents)."""
        if self.head is not None and is_mbox(bytes(self.head)):
            staged.limit = self.mailbox_limit
            self.upload.mailboxes.add(len(self.upload.files) - 1)
        self.head = None

    def on_part_end(self) -> None:
        if self.staged is not None:
            self._tell(self.staged)
        if self.field is not None:
            self.upload.fields[self.name] = self.field.decode("utf-8", "replace")
        self.field = self.staged = None

    def callbacks(self) -> MultipartCallbacks:
        return {"on_header_field": self.on_header_field, "on_header_value": self.on_header_value,
                "on_header_end": self.on_header_end,
                "on_headers_finished": self.on_headers_finished,
                "on_part_data": self.on_part_data, "on_part_end": self.on_part_end}


async def receive(content_type: str, body: AsyncIterator[bytes], store: Store,
                  limit: int, mailbox_limit: int | None = None,
                  bounds: Bounds | None = None) -> Upload:
    """Stage every `file` part of a multipart/form-data body (`admit` writes and syncs what is
    left); TooLarge past `limit` bytes a file (`mailbox_limit` for an mbox, `limit` if None),
    and past the `bounds` of the request (none: only the count of files)."""
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in params:
        raise BadUpload("send the documents as multipart/form-data, field 'file'")
    upload = Upload()
    boxed = limit if mailbox_limit is None else mailbox_limit
    request_bytes, fields, idle = bounds or (math.inf, MAX_FILES, None)
    size = 0
    chunks = aiter(body)
    try:
        parser = MultipartParser(params[b"boundary"],
                                 _Receiver(store, limit, fields, upload, boxed).callbacks())
        while True:
            try:
                async with asyncio.timeout(idle):
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                break
            except TimeoutError as exc:
                raise UploadStalled(f"nothing of the upload came for {idle} s") from exc
            size += len(chunk)
            # an mbox may be larger than other requests: its messages are the documents
            allowed = max(request_bytes, boxed) if upload.mailboxes else request_bytes
            if size > allowed:
                raise TooLarge(f"the upload is larger than {allowed} bytes in all")
            parser.write(chunk)
            if upload.held >= HOLD:
                await _through(asyncio.to_thread(upload.drain))
        parser.finalize()
        if parser.state != MultipartState.END:  # cut short: its last file may be half there
            raise BadUpload("the multipart body ended before its closing boundary")
    except FormParserError as exc:
        upload.discard()
        raise BadUpload(f"malformed multipart body: {exc}") from exc
    except BaseException:
        upload.discard()
        raise
    if not upload.files:
        upload.discard()
        raise BadUpload("no file: send each document in a form field named 'file'")
    return upload


async def _through(work: Awaitable[T]) -> T:
    """Await work done in another thread; cancelled meanwhile (the client went away), still wait
    for it to end before raising, so that what the caller does next (discarding the files) does
    not overlap it."""
    future = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait({future})
        raise


@dataclass
class Problem:
    """A message of an uploaded mbox that is not a document (`document_id` None), or one that
    is, damaged."""

    name: str
    error: InputError
    document_id: str | None = None


@dataclass
class Mailbox:
    """An uploaded mbox, split: how many of the upload's files (in order) are its messages, and
    its problems."""

    name: str
    messages: int = 0
    problems: list[Problem] = field(default_factory=list)
    cut: str = ""  # the last message's name, when the file ends inside it


async def open_mailboxes(upload: Upload, store: Store, limit: int,
                         most: int) -> list[Mailbox | None]:
    """`split_mailboxes`, in a thread when there is an mbox (off the event loop)."""
    if not upload.mailboxes:
        return [None] * len(upload.files)
    return await _through(asyncio.to_thread(split_mailboxes, upload, store, limit, most))


def split_mailboxes(upload: Upload, store: Store, limit: int,
                    most: int) -> list[Mailbox | None]:
    """Put in place of each mbox of `upload` its messages (named `MBOX#N`), each within `limit`
    bytes and an email (the others are its problems); TooManyMessages past `most`. For each file
    uploaded, in order: its Mailbox, or None for another document. Messages are synced in
    groups, so that memory and open files stay bounded."""
    shape: list[Mailbox | None] = []
    files: list[tuple[str, Staged]] = []
    try:
        for index, (name, staged) in enumerate(upload.files):
            if index in upload.mailboxes:
                shape.append(_split(name, staged, store, limit, most, files))
            else:
                shape.append(None)
                files.append((name, staged))
    except BaseException:
        for _name, staged in files:
            staged.discard()
        raise
    upload.files, upload.mailboxes = files, set()
    return shape


def _split(name: str, staged: Staged, store: Store, limit: int, most: int,
           files: list[tuple[str, Staged]]) -> Mailbox:
    """One mbox's messages staged onto `files`; the mbox itself is not kept."""
    try:
        staged.close()
        total = mailbox.count(staged.path, "mbox")
        if total > most:
            raise TooManyMessages(f"{name} holds {total} messages; the limit is {most}")
        box = Mailbox(name)
        unsynced: list[Staged] = []
        last = ""  # the name of the last message, if it is a document
        for number, message in enumerate(mailbox.mbox_messages(staged.path, limit), 1):
            last = f"{name}#{number}"
            problem = message.problem or _not_an_email(message.data)
            if problem is not None:
                box.problems.append(Problem(last, problem))
                last = ""
                continue
            part = store.stage(limit)
            files.append((last, part))
            part.write(message.data)
            box.messages += 1
            unsynced.append(part)
            if len(unsynced) == GROUP:
                _flush(unsynced)
                unsynced = []
        with staged.path.open("rb") as handle:
            handle.seek(-1, os.SEEK_END)
            if last and handle.read(1) != b"\n":
                box.cut = last
        return box
    finally:
        staged.discard()


def _not_an_email(data: bytes) -> InputError | None:
    try:
        kind = sniff(data)
    except InputError as exc:
        return exc
    return None if kind == "eml" else MalformedDocument(f"a {kind} file, not an email")


def cut_problem(box: Mailbox, document_id: str) -> Problem:
    """The last message of a truncated mbox: a document still, read as far as it goes."""
    return Problem(box.cut, MalformedDocument(
        "the mailbox ends inside this message (a truncated file?): it is read as far as it "
        "goes"), document_id)


@dataclass
class Arrival:
    """An upload to record: its staged files, the workspace it is for, who to call when done."""

    workspace_id: str
    upload: Upload
    webhook_url: str | None = None


class File(NamedTuple):
    """One file of an upload, with what its document row needs."""

    workspace_id: str
    filename: str
    staged: Staged
    webhook_url: str | None


class Admitter:
    """Records an API process's uploads in groups (a group commit): one thread takes every upload
    waiting and `admit`s them together, so under load an upload shares its file syncs, its
    transaction (SQLite has one writer) and its queue message with those that arrived meanwhile.
    Alone, an upload is recorded at once."""

    def __init__(self, db: Database, store: Store) -> None:
        self.db, self.store = db, store
        self._waiting: SimpleQueue[tuple[Arrival, Future] | None] = SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="custid-admit", daemon=True)
        self._thread.start()

    async def admit(self, arrival: Arrival) -> list[tuple[str, bool]]:
        """`admit` for one upload, in the next group; a request cancelled meanwhile (its client
        went away) still waits for it, so that its files are not discarded while being kept."""
        done: Future[list[tuple[str, bool]]] = Future()
        self._waiting.put((arrival, done))
        return await _through(asyncio.wrap_future(done))

    def close(self) -> None:
        self._waiting.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (first := self._waiting.get()) is not None:
            group = [first]
            while len(group) < GROUP and not self._waiting.empty():
                if (item := self._waiting.get()) is None:
                    self._waiting.put(None)  # stop after this group
                    break
                group.append(item)
            try:
                admitted = admit(self.db, self.store, [arrival for arrival, _done in group])
            except BaseException as exc:  # every upload of the group answers with the error
                for _arrival, done in group:
                    done.set_exception(exc)
                continue
            for (_arrival, done), result in zip(group, admitted, strict=True):
                done.set_result(result)


def admit(db: Database, store: Store, arrivals: list[Arrival],
          enqueue: bool = True) -> list[list[tuple[str, bool]]]:
    """Write, sync, record and queue the staged files of `arrivals`: (document id, new) for each
    file of each; a known file is not new. One transaction and one queue message for all of them,
    unless the same file is uploaded at the same moment elsewhere. Not `enqueue`d, the caller
    processes the new ones itself (`custid ingest` without serve)."""
    files = [File(arrival.workspace_id, name, staged, arrival.webhook_url)
             for arrival in arrivals for name, staged in arrival.upload.files]
    try:
        _flush([file.staged for file in files])
        try:
            admitted = _admit_all(db, store, files)
        except IntegrityError:  # the same file, uploaded at the same moment: one by one
            admitted = [_admit(db, store, file) for file in files]
    finally:
        for arrival in arrivals:
            arrival.upload.discard()  # what was not kept
    if enqueue:
        try:
            queue.enqueue([document_id for document_id, new in admitted if new])
        except KombuError as exc:  # recorded: the sweep queues them once the broker is back
            log.warning("broker unavailable (%s): the sweep will queue the documents",
                        exc.__class__.__name__)
    each = iter(admitted)
    return [[next(each) for _file in arrival.upload.files] for arrival in arrivals]


def _flush(staged: list[Staged]) -> None:
    """The files not written and synced yet, outside any lock, all at once: the cores hash
    them together, and concurrent fsyncs share the disk's flushes (ten one after the other take
    ten times as long). One file, in this thread."""
    staged = [file for file in staged if not file.synced]
    if len(staged) == 1:
        staged[0].close()
    else:
        list(_WRITERS.map(Staged.close, staged))


def _admit_all(db: Database, store: Store, files: list[File]) -> list[tuple[str, bool]]:
    """Record the rows, keep the originals and commit, in one transaction under the locks of all
    the files (see store; taken in order, so uploads sharing files cannot deadlock). Should the
    transaction fail, the originals it placed go again unless a document has them."""
    placed: list[str] = []
    try:
        with ExitStack() as stack:
            locks = {f.staged.sha256[:2]: f.staged.sha256 for f in files}
            for sha256 in sorted(locks.values()):
                stack.enter_context(store.lock(sha256))
            session = stack.enter_context(db.session())
            lock_files(session, [f.staged.sha256 for f in files])
            known = {(workspace_id, sha256): document_id
                     for workspace_id, sha256, document_id in session.execute(
                         select(Document.workspace_id, Document.sha256, Document.id).where(
                             Document.workspace_id.in_({f.workspace_id for f in files}),
                             Document.sha256.in_({f.staged.sha256 for f in files})))}
            admitted: list[tuple[str, bool]] = []
            rows: list[dict] = []
            new: list[Staged] = []
            for workspace_id, filename, staged, webhook_url in files:
                if (workspace_id, staged.sha256) in known:  # stored before, or twice now
                    admitted.append((known[workspace_id, staged.sha256], False))
                    continue
                known[workspace_id, staged.sha256] = document_id = new_id()
                rows.append({"id": document_id, "workspace_id": workspace_id,
                             "sha256": staged.sha256, "filename": filename, "size": staged.size,
                             "webhook_url": webhook_url})
                admitted.append((document_id, True))
                new.append(staged)
            if rows:  # the rows first: a conflict (IntegrityError) places no original
                session.execute(insert(Document), rows)
            placed += [staged.sha256 for staged, kept in zip(new, store.keep_all(new),
                                                               strict=True) if kept]
            return admitted  # committed on leaving the session
    except BaseException:
        _drop_placed(db, store, placed)
        raise


def _drop_placed(db: Database, store: Store, placed: list[str]) -> None:
    """After a failed transaction: its originals, unless a document has them (checked under the
    file's lock, as deletion does). With the database still away they stay (one a commit of
    unknown outcome recorded must not go): the next upload of the file adopts it, or the sweep
    removes it (`processing.sweep_originals`)."""
    try:
        for sha256 in placed:
            processing.drop_original(db.engine, store, sha256)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("originals of a failed upload stay (%s)", exc.__class__.__name__)


def _admit(db: Database, store: Store, file: File) -> tuple[str, bool]:
    """One file: as _admit_all, or the document of the same file uploaded at the same moment."""
    try:
        return _admit_all(db, store, [file])[0]
    except IntegrityError:
        with db.session() as session:
            existing = _existing(session, file.workspace_id, file.staged.sha256)
        if existing is None:  # recorded and deleted again meanwhile
            raise
        return existing, False


def _existing(session: Session, workspace_id: str, sha256: str) -> str | None:
    return session.scalar(select(Document.id).where(Document.workspace_id == workspace_id,
                                                    Document.sha256 == sha256))
