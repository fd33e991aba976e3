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


def hold_write_lock(path: Path, seconds: float) -> tuple[threading.Thread, list[float]]:
    """Another process's writer: SQLite's write lock, taken now and held for `seconds`; the
    list gets the monotonic time at which it lets go (just before its COMMIT)."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    released: list[float] = []

    def release() -> None:
        time.sleep(seconds)
        released.append(time.monotonic())
        other.execute("COMMIT")
        other.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread, released


def test_a_writer_waits_for_another_process_then_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'custid.db'}"
    upgrade(url)
    db = Database(url)
    db.ensure_workspace("w", "auto")
    other, released = hold_write_lock(tmp_path / "custid.db", 0.13)
    start = time.monotonic()
    db.ensure_workspace("w", "known")
    written = time.monotonic()
    other.join()
    with db.session() as session:
        assert session.get(Workspace, "w").mode == "known"
    db.engine.dispose()
    # It wrote after the other writer let go (an order, not a duration: the other's sleep may
    # have begun before `start`), and did not wait out the busy timeout (30 s).
    assert released[0] <= written
    assert written - start < db_module.BUSY_TIMEOUT_MS / 1000 / 2


def test_a_writer_gives_up_after_the_busy_timeout(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 200)
    url = f"sqlite:///{tmp_path / 'custid.db'}"
    upgrade(url)
    db = Database(url)
    other, _released = hold_write_lock(tmp_path / "custid.db", 1)
    try:
        with pytest.raises(OperationalError, match="locked"), db.session() as session:
            session.add(Workspace(id="w", mode="auto"))
    finally:
        other.join()
        db.engine.dispose()
    with db.session() as session:
        assert session.get(Workspace, "w") is None
