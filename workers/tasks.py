"""Tasks: process a document (by id only) and call its webhook. Both are safe to run twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init
from sqlalchemy.exc import OperationalError

from extractor import results, webhook
from extractor.db import Database, database
from extractor.pipeline import Extractor
from extractor.schemas import DocumentOut
from extractor.settings import Settings, get_settings
from extractor.store import Store
from extractor.tables import Document
from workers.celery_app import celery_app

log = logging.getLogger(__name__)
RETRY = {"retry_backoff": 2, "retry_backoff_max": 120, "retry_jitter": True, "max_retries": 6}


@dataclass(frozen=True)
class Context:
    settings: Settings
    db: Database
    store: Store
    extractor: Extractor


@lru_cache(maxsize=1)
def context() -> Context:
    """This process's database, store and compiled packs (made after the fork)."""
    settings = get_settings()
    return Context(settings, database(settings.database), Store(settings.data_dir),
                   Extractor(settings))


@worker_process_init.connect
def _warm(**_kwargs: object) -> None:
    context()


@celery_app.task(name="custid.process", autoretry_for=(OperationalError,), **RETRY)
def process_documents(document_ids: list[str]) -> None:
    """One after the other; a transient database error retries the task (done ones are skipped),
    anything else fails only its document."""
    ctx = context()
    for document_id in document_ids:
        try:
            document = results.process(ctx.db, ctx.store, ctx.extractor, document_id)
        except OperationalError:
            raise
        except SoftTimeLimitExceeded:
            document = results.fail(ctx.db, document_id, "timeout", "processing took too long")
        except Exception as exc:
            log.exception("document %s failed", document_id)
            document = results.fail(ctx.db, document_id, "internal_error", repr(exc))
        if document is not None and document.webhook_url:
            notify.delay(document_id)


@celery_app.task(name="custid.notify", autoretry_for=(webhook.WebhookFailed, OperationalError),
                 **RETRY)
def notify(document_id: str) -> None:
    ctx = context()
    with ctx.db.session() as session:
        document = session.get(Document, document_id)
        if document is None or not document.webhook_url:
            return
        url, payload = document.webhook_url, DocumentOut.of(document).model_dump(mode="json")
    try:
        webhook.send(url, payload, ctx.settings.webhook_allow, ctx.settings.webhook_timeout)
    except webhook.WebhookRefused as exc:
        log.warning("webhook of document %s not called: %s", document_id, exc.message)
