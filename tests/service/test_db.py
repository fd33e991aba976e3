"""SQLite's one writer: a transaction waits for another process's, within the timeout."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from extractor.service import db as db_module
from extractor.service.db import Database, upgrade
from extractor.service.tables import Workspace


def hold_write_lock(path: Path, seconds: float) -> threading.Thread:
    """Another process's writer: SQLite's write lock, taken now and held for `seconds`."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")

    def release() -> None:
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


def test_a_writer_waits_for_another_process_then_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'custid.db'}"
    upgrade(url)
    db = Database(url)
    db.ensure_workspace("w", "auto")
    other = hold_write_lock(tmp_path / "custid.db", 0.13)
    start = time.monotonic()
    db.ensure_workspace("w", "known")
    waited = time.monotonic() - start
    other.join()
    db.engine.dispose()
    assert 0.13 <= waited < 5  # it waited for the other writer, not for the busy timeout (30 s)


def test_a_writer_gives_up_after_the_busy_timeout(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 200)
    url = f"sqlite:///{tmp_path / 'custid.db'}"
    upgrade(url)
    db = Database(url)
    other = hold_write_lock(tmp_path / "custid.db", 1)
    try:
        with pytest.raises(OperationalError, match="locked"), db.session() as session:
            session.add(Workspace(id="w", mode="auto"))
    finally:
        other.join()
        db.engine.dispose()
    with db.session() as session:
        assert session.get(Workspace, "w") is None
