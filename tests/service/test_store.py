"""Originals: content-addressed, atomic, read-only; uploads streamed within the size limit."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import math
import os
import random
import threading
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from extractor.errors import TooLarge
from extractor.service import admission, processing
from extractor.service.admission import HOLD, Admitter, Arrival, BadUpload, admit, receive
from extractor.service.db import Database, lock_files, upgrade
from extractor.service.store import (
    BLOCK,
    BUFFER,
    LocalStore,
    S3Store,
    Staged,
    Store,
    open_store,
)
from extractor.service.tables import Document
from extractor.settings import Settings
from tests.conftest import SAMPLES, eager_client

BOUNDARY = "xyz"


def multipart(*parts: tuple[str, str | None, bytes]) -> bytes:
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        body += data + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def stream(body: bytes, chunk: int = 1000):
    async def chunks():
        for start in range(0, len(body), chunk):
            yield body[start:start + chunk]
    return chunks()


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Store:
    """An empty store of each kind: a folder, or an S3 bucket (on another host's disk)."""
    return open_store(Settings(data_dir=tmp_path / "data", store_url=store_url))


def stored(store: Store) -> set[str]:
    return {sha256 for batch in store.stored(math.inf) for sha256 in batch}


def upload(store: Store, body: bytes, limit: int = 10_000):
    return asyncio.run(receive(f"multipart/form-data; boundary={BOUNDARY}", stream(body),
                               store, limit))


def test_keep_is_content_addressed_and_once(store: Store) -> None:
    placed = []
    sha = hashlib.sha256(b"%PDF-1.4 hello").hexdigest()
    for _ in range(2):
        staged = store.stage(100)
        staged.write(b"%PDF-1.4 hello")
        with store.lock(sha):
            placed.append(store.keep(staged))
    assert placed == [True, False]
    assert store.read(sha) == b"%PDF-1.4 hello"
    assert stored(store) == {sha}
    if isinstance(store, LocalStore):
        assert store.path(sha).stat().st_mode & 0o222 == 0  # read-only
    assert list(store.staging.iterdir()) == []
    store.delete(sha)
    assert stored(store) == set()


def test_names_are_only_ever_a_sha256(store: Store) -> None:
    for name in ("../../etc/passwd", "a.pdf", "AB" * 32, ""):
        with pytest.raises(ValueError):
            store.read(name)


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "buffered"])
def test_a_staged_file_holds_every_byte_whatever_the_blocks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct: bool) -> None:
    """Written through the aligned buffer (direct I/O, or buffered where the filesystem refuses
    it): sizes on and around block and buffer bounds, in uneven chunks, drained now and then."""
    if not direct:
        opened = os.open

        def no_direct(path, flags, *args):
            if flags & os.O_DIRECT:
                raise OSError(errno.EINVAL, "Invalid argument")
            return opened(path, flags, *args)
        monkeypatch.setattr(os, "open", no_direct)
    store, rng = LocalStore(tmp_path), random.Random(7)
    for size in (0, 1, BLOCK - 1, BLOCK, BLOCK + 1, BUFFER - 1, BUFFER, BUFFER + 1,
                 3 * BUFFER + 5):
        data = rng.randbytes(size)
        staged, start = store.stage(size), 0
        while start < size:
            step = rng.randint(1, BUFFER // 3)
            staged.write(data[start:start + step])
            start += step
            if rng.random() < 0.5:
                staged.drain()
        staged.close()
        assert staged.synced and staged.path.read_bytes() == data, size
        assert staged.sha256 == hashlib.sha256(data).hexdigest()
        staged.discard()


def test_receive_stages_files_and_fields(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    files = upload(store, multipart(("file", "a.pdf", b"A" * 3000), ("file", "dir/b.pdf", b"B"),
                                    ("webhook_url", None, b"https://example.com/hook")))
    assert [name for name, _ in files.files] == ["a.pdf", "b.pdf"]
    staged = files.files[0][1]
    with pytest.raises(RuntimeError):  # known once written whole (admit closes it)
        _ = staged.sha256
    staged.close()
    assert staged.sha256 == hashlib.sha256(b"A" * 3000).hexdigest()
    assert staged.path.read_bytes() == b"A" * 3000
    assert files.fields == {"webhook_url": "https://example.com/hook"}
    files.discard()
    assert list(store.staging.iterdir()) == []


def test_receive_stops_at_the_size_limit_and_leaves_nothing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with pytest.raises(TooLarge):
        upload(store, multipart(("file", "a.pdf", b"A" * 5000)), limit=4096)
    assert list(store.staging.iterdir()) == []


def test_receive_writes_off_the_event_loop_and_a_cancel_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Received bytes are hashed and written in a thread; when the client goes away meanwhile,
    the upload is discarded only once that thread is done (else it would leave a file)."""
    store = LocalStore(tmp_path)
    writing, finish = threading.Event(), threading.Event()
    drain = Staged.drain

    def slow_drain(staged: Staged) -> None:
        assert threading.current_thread() is not threading.main_thread()
        writing.set()
        finish.wait(10)
        drain(staged)

    monkeypatch.setattr(Staged, "drain", slow_drain)
    head = multipart(("file", "a.pdf", b"A" * (HOLD + 1))).split(b"\r\n--xyz--")[0]

    async def client_goes_away() -> None:
        async def body():
            yield head
            await asyncio.Event().wait()  # the rest never comes
        receiving = asyncio.ensure_future(receive(f"multipart/form-data; boundary={BOUNDARY}",
                                                  body(), store, 10 * HOLD))
        await asyncio.to_thread(writing.wait, 10)
        receiving.cancel()
        await asyncio.sleep(0.05)
        assert not receiving.done()  # waits for the thread, not discarding under it
        finish.set()
        with pytest.raises(asyncio.CancelledError):
            await receiving

    asyncio.run(client_goes_away())
    assert list(store.staging.iterdir()) == []


def test_receive_needs_a_file(tmp_path: Path) -> None:
    with pytest.raises(BadUpload):
        upload(LocalStore(tmp_path), multipart(("other", None, b"x")))


def test_a_failed_commit_leaves_no_original_of_its_own(database_url: str, store: Store) -> None:
    upgrade(database_url)
    db = Database(database_url)
    for workspace in ("a", "b"):
        db.ensure_workspace(workspace, "auto")
    shared, own = b"%PDF-1.4 shared", b"%PDF-1.4 own"
    admit(db, store, [Arrival("a", upload(store, multipart(("file", "x.pdf", shared))))], False)

    def down(_connection: object) -> None:
        raise OperationalError("COMMIT", {}, Exception("the database went away"))

    event.listen(db.engine, "commit", down)
    try:
        with pytest.raises(OperationalError):
            admit(db, store, [Arrival("b", upload(store, multipart(("file", "x.pdf", shared),
                                                                   ("file", "y.pdf", own))))],
                  False)
    finally:
        event.remove(db.engine, "commit", down)
        with db.session() as session:
            rows = session.scalar(select(func.count()).select_from(Document))
        db.engine.dispose()
    assert rows == 1  # workspace a's
    assert store.read(hashlib.sha256(shared).hexdigest()) == shared  # a's document has it
    assert stored(store) == {hashlib.sha256(shared).hexdigest()}
    assert list(store.staging.iterdir()) == []


@pytest.fixture
def groups(monkeypatch: pytest.MonkeyPatch) -> list[list[Arrival]]:
    """The groups of uploads the Admitter records, each as it calls `admit` with it."""
    seen: list[list[Arrival]] = []
    admit_group = admission.admit

    def recorded(db: Database, store: Store, arrivals: list[Arrival], *args: object,
                 **kwargs: object) -> list[list[tuple[str, bool]]]:
        seen.append(list(arrivals))
        return admit_group(db, store, arrivals, *args, **kwargs)

    monkeypatch.setattr(admission, "admit", recorded)
    return seen


async def taken_up(admitter: Admitter, arrival: Arrival,
                   groups: list[list[Arrival]]) -> asyncio.Future:
    """`admitter.admit(arrival)`, once the admitter's thread is recording it: its group is
    made then (an empty queue is not enough: the thread may not have looked for more yet)."""
    admitting = asyncio.ensure_future(admitter.admit(arrival))
    while not any(item is arrival for group in groups for item in group):
        await asyncio.sleep(0.01)
    return admitting


def test_uploads_arriving_meanwhile_are_recorded_together(
        database_url: str, store: Store, groups: list[list[Arrival]]) -> None:
    """While one upload is being recorded, those arriving meanwhile wait and are then recorded
    in one transaction (a group commit), each answered with its own documents."""
    upgrade(database_url)
    db = Database(database_url)
    db.ensure_workspace("a", "auto")
    bodies = [f"%PDF-1.4 {n}".encode() for n in range(6)]
    arrivals = [Arrival("a", upload(store, multipart(("file", "x.pdf", body)))) for body in bodies]
    first_sha256 = hashlib.sha256(bodies[0]).hexdigest()
    commits: list[object] = []

    def committed(connection: object) -> None:
        commits.append(connection)

    event.listen(db.engine, "commit", committed)
    admitter = Admitter(db, store)

    async def admit_all() -> list[list[tuple[str, bool]]]:
        with store.lock(first_sha256):  # the first upload's group waits for this lock
            first = await taken_up(admitter, arrivals[0], groups)  # alone
            rest = [asyncio.ensure_future(admitter.admit(a)) for a in arrivals[1:]]
            await asyncio.sleep(0)  # they are waiting now
        return await asyncio.gather(first, *rest)

    try:
        admitted = asyncio.run(admit_all())
    finally:
        admitter.close()
        event.remove(db.engine, "commit", committed)
    assert [new for [(_id, new)] in admitted] == [True] * 6
    assert len({document_id for [(document_id, _new)] in admitted}) == 6
    assert [len(group) for group in groups] == [1, 5]
    assert len(commits) == 2  # the first upload alone, then the five that came meanwhile
    db.engine.dispose()


def test_a_cancelled_upload_waits_for_its_files_and_the_admitter_goes_on(
        database_url: str, store: Store, groups: list[list[Arrival]]) -> None:
    """A request cancelled while its upload is being recorded ends only once that is done (the
    route then discards what was not kept); the next upload is recorded as usual."""
    upgrade(database_url)
    db = Database(database_url)
    db.ensure_workspace("a", "auto")
    bodies = (b"%PDF-1.4 first", b"%PDF-1.4 second")
    first, second = (Arrival("a", upload(store, multipart(("file", "x.pdf", body))))
                     for body in bodies)
    first_sha256, second_sha256 = (hashlib.sha256(body).hexdigest() for body in bodies)
    admitter = Admitter(db, store)

    async def cancel_while_recorded() -> list[tuple[str, bool]]:
        with store.lock(first_sha256):
            request = await taken_up(admitter, first, groups)  # and waiting for the lock
            request.cancel()
            await asyncio.sleep(0.05)
            assert not request.done()  # still waiting for the upload to be recorded
        with pytest.raises(asyncio.CancelledError):
            await request
        return await admitter.admit(second)

    try:
        [(second_id, new)] = asyncio.run(cancel_while_recorded())
    finally:
        admitter.close()
    with db.session() as session:
        names = set(session.scalars(select(Document.sha256)))
    assert new and second_id
    assert names == {first_sha256, second_sha256}
    assert stored(store) == names
    db.engine.dispose()


def test_the_sweep_removes_originals_left_with_the_database_away(
        database_url: str, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """An original placed just before the commit failed, which could not be removed then (the
    database still away), is found by the sweep once old enough, and removed; one a document
    has stays."""
    upgrade(database_url)
    db = Database(database_url)
    db.ensure_workspace("a", "auto")
    kept, left = b"%PDF-1.4 kept", b"%PDF-1.4 left"
    admit(db, store, [Arrival("a", upload(store, multipart(("file", "x.pdf", kept))))], False)

    def down(_connection: object) -> None:
        raise OperationalError("COMMIT", {}, Exception("the database went away"))

    def still_down(*_args: object) -> bool:
        raise OperationalError("SELECT", {}, Exception("the database is still away"))

    event.listen(db.engine, "commit", down)
    monkeypatch.setattr(processing, "drop_original", still_down)
    try:
        with pytest.raises(OperationalError):
            admit(db, store, [Arrival("a", upload(store, multipart(("file", "y.pdf", left))))],
                  False)
    finally:
        event.remove(db.engine, "commit", down)
        monkeypatch.undo()
    kept_sha256, left_sha256 = (hashlib.sha256(body).hexdigest() for body in (kept, left))
    assert stored(store) == {kept_sha256, left_sha256}
    assert processing.sweep_originals(db, store, 3600) == []  # too recent: it may be committing
    assert processing.sweep_originals(db, store, 0) == [left_sha256]
    assert stored(store) == {kept_sha256}
    db.engine.dispose()


def test_erasure_deletes_the_original_once_no_document_has_it(database_url: str,
                                                              store: Store) -> None:
    upgrade(database_url)
    db = Database(database_url)
    body = b"%PDF-1.4 shared by two workspaces"
    ids = []
    for workspace in ("a", "b"):
        db.ensure_workspace(workspace, "auto")
        [[(document_id, _new)]] = admit(
            db, store, [Arrival(workspace, upload(store, multipart(("file", "x.pdf", body))))],
            False)
        ids.append(document_id)
    for document_id, left in zip(ids, ({hashlib.sha256(body).hexdigest()}, set()), strict=True):
        with db.session() as session:
            processing.delete_document(session, store, session.get_one(Document, document_id))
        assert stored(store) == left
    db.engine.dispose()


def test_an_upload_on_another_host_holds_off_the_removal_of_its_file(
        database_url: str, tmp_path: Path, store_url: str) -> None:
    """Hosts share no store lock (each has its own folder): the database's lock keeps a removal
    from deleting the original an upload there is committing a document for."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite is one host's")
    upgrade(database_url)
    db = Database(database_url)
    db.ensure_workspace("a", "auto")
    api, other = (open_store(Settings(data_dir=tmp_path / host, store_url=store_url))
                  for host in ("api", "other"))
    staged = upload(api, multipart(("file", "x.pdf", b"%PDF-1.4 racing"))).files[0][1]
    staged.close()
    sha256 = staged.sha256
    removed: list[bool] = []
    with db.session() as session:
        lock_files(session, [sha256])
        api.keep(staged)
        removing = threading.Thread(
            target=lambda: removed.append(processing.drop_original(db.engine, other, sha256)))
        removing.start()
        removing.join(0.5)  # it waits for this transaction, which then records the document
        session.add(Document(id="racing", workspace_id="a", sha256=sha256, filename="x.pdf",
                             size=staged.size))
    removing.join(30)
    assert removed == [False]
    assert stored(api) == {sha256}
    db.engine.dispose()


def test_the_service_keeps_reads_and_erases_originals_in_the_store(
        database_url: str, store_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the API, its worker task run eagerly: the original goes to the store named by
    CUSTID_STORE_URL (none into a bucket's data dir), is read from there, downloaded, and goes
    with its document."""
    path = SAMPLES / "doc-00002.pdf"
    with eager_client(database_url, tmp_path / "data", monkeypatch, store_url=store_url) as api:
        answer = api.post("/v1/documents", files=[("file", (path.name, path.read_bytes()))])
        assert answer.status_code == 202
        document = api.get(answer.json()["status_url"]).json()
        assert document["status"] == "done" and document["result"]["findings"]
        store = open_store(Settings(data_dir=tmp_path / "elsewhere", store_url=store_url))
        assert stored(store) == {document["sha256"]}
        if not isinstance(store, LocalStore):
            assert not (tmp_path / "data" / "originals").exists()
        original = api.get(f"/v1/documents/{document['id']}/original")
        assert original.content == path.read_bytes()
        assert original.headers["content-disposition"] == 'attachment; filename="doc-00002.pdf"'
        assert api.delete(f"/v1/documents/{document['id']}").status_code == 204
        assert stored(store) == set()


def test_an_original_changed_in_the_bucket_is_not_read(store_url: str, tmp_path: Path) -> None:
    if not store_url.startswith("s3://"):
        pytest.skip("a local original is a read-only file of the service's own")
    store = open_store(Settings(data_dir=tmp_path / "data", store_url=store_url))
    assert isinstance(store, S3Store)
    staged = store.stage(100)
    staged.write(b"%PDF-1.4 as uploaded")
    assert store.keep_all([staged]) == [True]
    store.client.put_object(Bucket=store.bucket, Key=store.key(staged.sha256), Body=b"changed")
    with pytest.raises(OSError, match="other bytes"):
        store.read(staged.sha256)
