"""Queue stage: documents go to the workers through Celery (only their id); the sweep requeues
documents that sat queued or processing too long (a lost message, a worker that died)."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select, update

from extractor.db import Database
from extractor.settings import get_settings
from extractor.tables import Document, now

log = logging.getLogger(__name__)


def enqueue(document_ids: list[str]) -> None:
    """One message for the documents of one upload: ids only, time limits per document."""
    from workers.tasks import process_documents  # the workers import the pipeline, not this

    if document_ids:
        settings = get_settings()
        process_documents.apply_async(
            (document_ids,), soft_time_limit=settings.task_soft_time_limit * len(document_ids),
            time_limit=settings.task_time_limit * len(document_ids))


def given_up(attempts: int) -> dict[str, str]:
    """What a document becomes once processing it stopped `attempts` times: failed, for good."""
    return {"status": "failed", "error_code": "gave_up",
            "error_message": f"processing stopped {attempts} times"}


def sweep(db: Database, stuck_after: float, max_attempts: int) -> list[str]:
    """Requeue stuck documents; one stuck processing more than `max_attempts` times fails."""
    cutoff = now() - dt.timedelta(seconds=stuck_after)
    requeued: list[str] = []
    with db.session() as session:
        stuck = session.execute(
            select(Document.id, Document.status, Document.attempts, Document.updated_at)
            .where(Document.status.in_(("queued", "processing")), Document.updated_at < cutoff)
            .limit(1000)).all()
        for document_id, status, attempts, updated_at in stuck:
            # A message that waited long is requeued freely; a run that vanished counts.
            attempts += status == "processing"
            values = given_up(attempts) if attempts >= max_attempts else {"status": "queued"}
            changed = session.execute(
                update(Document).where(Document.id == document_id,
                                       Document.updated_at == updated_at)
                .values(updated_at=now(), attempts=attempts, **values))
            if changed.rowcount and values["status"] == "queued":
                requeued.append(document_id)
    if stuck:
        log.warning("sweep: %d stuck documents, %d requeued", len(stuck), len(requeued))
    enqueue(requeued)
    return requeued
