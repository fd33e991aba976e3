"""Engine and sessions: SQLite (WAL, busy timeout) by default, PostgreSQL via DATABASE_URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from extractor.tables import Workspace

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # transactions begin in _begin below
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                       f"busy_timeout={BUSY_TIMEOUT_MS}"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    # SQLite has one writer at a time, and a writer waiting for it polls with sleeps of up to
    # 100 ms: this process's transactions queue here instead (woken at once), one waits there.
    writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.info["writer"] = writer.acquire(timeout=BUSY_TIMEOUT_MS / 1000)
        # Take the write lock up front: a deferred transaction that later writes can fail with
        # "database is locked" at once, without waiting for the busy timeout.
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _end(connection)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(connection) -> None:
        if connection.info.pop("writer", False):
            writer.release()

    return engine


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


@lru_cache
def database(url: str) -> Database:
    """One Database per URL and process (create it after forking)."""
    return Database(url)
