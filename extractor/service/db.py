"""Engine and sessions: SQLite (WAL, busy timeout) by default, PostgreSQL via DATABASE_URL."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from extractor.service.store import PRIVATE_DIR
from extractor.service.tables import Workspace

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
RETRY_SECONDS = 0.001  # between tries for SQLite's write lock
PRIVATE_FILE = 0o600  # the database: for its owner alone


def make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        _create_private(Path(url.removeprefix("sqlite:///")))
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # transactions begin in _begin below
        cursor = dbapi_connection.cursor()
        # No busy handler (it sleeps up to 100 ms between tries): transactions wait in _begin.
        # secure_delete: deleted rows are overwritten, not left in free pages (erasure).
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                       "busy_timeout=0", "secure_delete=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    # SQLite has one writer at a time: this process's transactions queue here (woken at once),
    # and the first of them tries for SQLite's lock every millisecond while another process has
    # it (every transaction takes it, in BEGIN IMMEDIATE, so nothing else waits for it).
    writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.info["writer"] = writer.acquire(timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            _begin_immediate(connection)
        except BaseException:
            _end(connection)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(connection) -> None:
        if connection.info.pop("writer", False):
            writer.release()

    return engine


def _create_private(path: Path) -> None:
    """The database file, made for its owner alone before SQLite opens it (SQLite gives its -wal
    and -shm files the database's mode), in a folder made so too."""
    path.parent.mkdir(PRIVATE_DIR, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE))


def _begin_immediate(connection: Connection) -> None:
    """Take the write lock up front (a deferred transaction that later writes can fail with
    "database is locked" at once), within the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            code = getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF  # of SQLITE_BUSY_RECOVERY too
            if code != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        time.sleep(RETRY_SECONDS)


def checkpoint(engine: Engine) -> None:
    """SQLite: copy the WAL into the database and truncate it (after an erasure, so that the
    erased rows' old pages are gone from the WAL too); other databases: nothing."""
    if engine.dialect.name != "sqlite":
        return
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        # Outside a transaction, waiting for readers of other processes to finish theirs.
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()
    finally:
        connection.close()


def upgrade(url: str) -> None:
    """Bring the database to the newest migration."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    command.upgrade(config, "head")


class Database:
    """A database's engine and sessions (`upgrade` it first, once, before processes start)."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    def ensure_workspace(self, workspace_id: str, mode: str) -> None:
        with self.session() as session:
            workspace = session.get(Workspace, workspace_id)
            if workspace is None:
                session.add(Workspace(id=workspace_id, mode=mode))
            else:
                workspace.mode = mode


def lock_files(session: Session, sha256s: Iterable[str]) -> None:
    """Lock the originals of these files across hosts until the transaction ends: uploads and
    removals of a file exclude each other through it (PostgreSQL's advisory locks, taken in
    order, so that no two wait for each other). SQLite is one host's, where the store's lock is
    enough."""
    keys = sorted({int(sha256[:15], 16) for sha256 in sha256s})  # 60 bits: a bigint
    if keys and session.get_bind().dialect.name == "postgresql":
        session.execute(select(*(func.pg_advisory_xact_lock(key) for key in keys)))


@lru_cache
def database(url: str) -> Database:
    """One Database per URL and process (create it after forking)."""
    return Database(url)
