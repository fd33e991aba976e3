"""Claiming documents for processing: a message that keeps coming back is given up on."""

from __future__ import annotations

from extractor.service import processing
from extractor.service.db import Database, upgrade
from extractor.service.tables import Document


def _documents(database_url: str) -> tuple[Database, list[str]]:
    upgrade(database_url)
    db = Database(database_url)
    db.ensure_workspace("default", "auto")
    with db.session() as session:
        for n in range(2):
            session.add(Document(id=f"doc{n}", workspace_id="default", sha256=f"{n:064x}",
                                 filename=f"{n}.pdf", size=1))
    return db, ["doc0", "doc1"]


def _status(db: Database, document_id: str) -> tuple[str, str | None, int]:
    with db.session() as session:
        document = session.get(Document, document_id)
        assert document is not None
        return document.status, document.error_code, document.attempts


def test_a_document_that_kills_its_worker_is_given_up(database_url: str) -> None:
    db, _ = _documents(database_url)
    claims = [[c.id for c in processing.claim(db, ["doc0"], "v1", max_attempts=3)]
              for _ in range(4)]  # each time its worker died before saving: the message is back
    assert claims == [["doc0"], ["doc0"], ["doc0"], []]
    assert _status(db, "doc0") == ("failed", "gave_up", 3)
    assert _status(db, "doc1") == ("queued", None, 0)  # untouched
    db.engine.dispose()


def test_released_documents_are_not_counted_as_attempts(database_url: str) -> None:
    db, ids = _documents(database_url)
    for _ in range(5):  # a task that split its batch hands the rest on, again and again
        assert [c.id for c in processing.claim(db, ids, "v1", max_attempts=3)] == ids
        processing.release(db, ids)
    assert [_status(db, i) for i in ids] == [("queued", None, 0)] * 2
    db.engine.dispose()
