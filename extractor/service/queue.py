"""Queue stage: documents go to the workers through Celery (only their id); the sweep requeues
documents that sat queued or processing too long (a lost message, a worker that died).

The tasks are named, not imported: the workers (`workers.tasks`) build on this layer."""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from typing import Any, cast

from celery import Celery
from sqlalchemy import CursorResult, select, update

from extractor.errors import GaveUp
from extractor.masking import install_log_masking
from extractor.service import logs
from extractor.service.db import Database
from extractor.service.tables import Document, now
from extractor.settings import Settings, get_settings

log = logging.getLogger(__name__)
PROCESS, NOTIFY = "custid.process", "custid.notify"  # the workers' task names


def make_celery(settings: Settings) -> Celery:
    """The Celery application: Redis broker, late acknowledgement, one document at a time."""
    app = Celery("custid", broker=settings.redis_url or "memory://", include=["workers.tasks"])
    app.conf.update(
        task_acks_late=True,  # a message is done when its document is, not when it arrived
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_soft_time_limit=settings.task_soft_time_limit,
        task_time_limit=settings.task_time_limit,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        broker_transport_options={"visibility_timeout": settings.visibility_timeout},
    )
    install_log_masking()
    logs.follow_celery(settings.log_format)
    return app


@lru_cache(maxsize=1)
def celery_app() -> Celery:
    """This process's Celery application, made on first use (once REDIS_URL is known)."""
    return make_celery(get_settings())


def enqueue(document_ids: list[str]) -> None:
    """One message for the documents of one upload: ids only, time limits per document."""
    if document_ids:
        settings = get_settings()
        # A signature runs the task itself where it is registered (eagerly, in tests).
        celery_app().signature(PROCESS).apply_async(
            (document_ids,), soft_time_limit=settings.task_soft_time_limit * len(document_ids),
            time_limit=settings.task_time_limit * len(document_ids))


def notify(document_id: str) -> None:
    """Call the document's webhook, from a worker."""
    celery_app().signature(NOTIFY).apply_async((document_id,))


def workers_seen(timeout: float, limit: int | None = None) -> list[str]:
    """The names of the workers that answer a ping on the broker (waiting for `limit` at most)."""
    replies = celery_app().control.ping(timeout=timeout, limit=limit) or []
    return sorted(name for reply in replies for name in reply)


def workers_answering(timeout: float, limit: int | None = None) -> int:
    """How many workers answer a ping on the broker (waiting for `limit` at most)."""
    return len(workers_seen(timeout, limit))


def depths() -> dict[str, int]:
    """Messages waiting in each of the workers' queues (on Redis, in every priority's list)."""
    app = celery_app()
    with app.connection_for_read() as connection:
        channel: Any = connection.default_channel  # a virtual channel; its stub lacks this
        # Declared, not passively: Redis has no list for an empty queue (a no-op otherwise).
        return {name: channel.queue_declare(queue=name).message_count
                for name in app.amqp.queues}


def given_up(attempts: int) -> dict[str, str]:
    """What a document becomes once processing it stopped `attempts` times: failed, for good."""
    return {"status": "failed", "error_code": GaveUp.code,
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
            # Session.execute is typed to return a Result; an UPDATE's is a CursorResult
            # (sqlalchemy#9185), with the rowcount.
            changed = cast(CursorResult[Any], session.execute(
                update(Document).where(Document.id == document_id,
                                       Document.updated_at == updated_at)
                .values(updated_at=now(), attempts=attempts, **values)))
            if changed.rowcount and values["status"] == "queued":
                requeued.append(document_id)
    if stuck:
        log.warning("sweep: %d stuck documents, %d documents requeued", len(stuck), len(requeued))
    enqueue(requeued)
    return requeued
