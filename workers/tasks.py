"""Tasks: process documents (by id only) and call a webhook. Both are safe to run twice."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import lru_cache

from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init
from sqlalchemy.exc import OperationalError

from extractor import queue, results, webhook
from extractor.db import Database, database
from extractor.masking import mask_text
from extractor.models import DocumentResult, ErrorInfo
from extractor.pipeline import Extractor
from extractor.sandbox import SandboxedExtractor
from extractor.schemas import DocumentOut
from extractor.settings import Settings, get_settings
from extractor.store import Store
from extractor.tables import Document
from workers.celery_app import celery_app

log = logging.getLogger(__name__)
SPLIT_AFTER = 1.0  # seconds: scans take seconds each, text PDFs milliseconds
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
                   SandboxedExtractor(settings))


@worker_process_init.connect
def _warm(**_kwargs: object) -> None:
    context()


@celery_app.task(name="custid.process", autoretry_for=(OperationalError,), **RETRY)
def process_documents(document_ids: list[str]) -> None:
    """Claim the documents, extract them one after the other and save them together. A task that
    has run SPLIT_AFTER seconds queues the rest, in halves, for any free workers. A transient
    database error retries the task (done ones are skipped); anything else fails only its
    document."""
    ctx = context()
    started = time.monotonic()
    claimed = results.claim(ctx.db, document_ids, ctx.extractor.packs_version,
                            ctx.settings.max_attempts)
    outcomes: list[results.Outcome] = []
    for index, item in enumerate(claimed):
        if outcomes and time.monotonic() - started > SPLIT_AFTER:
            rest = [later.id for later in claimed[index:]]
            results.release(ctx.db, rest)
            for half in (rest[:len(rest) // 2], rest[len(rest) // 2:]):
                queue.enqueue(half)  # two tasks: halved again as they take long, they spread
            break
        outcomes.append((item.id, _extract(ctx, item)))
    for document in _save(ctx, outcomes):
        if document.webhook_url:
            notify.delay(document.id)


def _extract(ctx: Context, item: results.Claimed) -> DocumentResult | ErrorInfo:
    try:
        return results.extract(ctx.store, ctx.extractor, item)
    except SoftTimeLimitExceeded:
        return ErrorInfo(code="timeout", message="processing took too long")
    except Exception as exc:
        log.exception("document %s failed", item.id)
        return ErrorInfo(code="internal_error", message=mask_text(repr(exc)))


def _save(ctx: Context, outcomes: list[results.Outcome]) -> list[Document]:
    """In one transaction; should that fail, one by one, so that an error fails only its own."""
    try:
        return results.save(ctx.db, outcomes, ctx.extractor.packs_version)
    except OperationalError:
        raise
    except Exception as exc:
        if len(outcomes) > 1:
            return [document for outcome in outcomes for document in _save(ctx, [outcome])]
        log.exception("document %s failed", outcomes[0][0])
        failed = results.fail(ctx.db, outcomes[0][0], "internal_error", mask_text(repr(exc)))
        return [failed] if failed else []


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
