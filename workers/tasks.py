"""Tasks: process documents (by id only) and call a webhook. Both are safe to run twice."""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import worker_process_init
from sqlalchemy.exc import OperationalError

from extractor.api.schemas import DocumentOut
from extractor.errors import WebhookFailed, WebhookRefused
from extractor.service import metrics, queue, runner, webhook
from extractor.service.tables import Document
from workers.celery_app import celery_app

log = logging.getLogger(__name__)
RETRY: dict[str, Any] = {"retry_backoff": 2, "retry_backoff_max": 120, "retry_jitter": True,
                         "max_retries": 6}


@worker_process_init.connect
def _warm(**_kwargs: object) -> None:
    runner.context()


@celery_app.task(name=queue.PROCESS, autoretry_for=(OperationalError,), **RETRY)
def process_documents(document_ids: list[str]) -> None:
    runner.run(document_ids)


@celery_app.task(name=queue.NOTIFY, autoretry_for=(WebhookFailed, OperationalError),
                 **RETRY)
def notify(document_id: str) -> None:
    ctx = runner.context()
    with ctx.db.session() as session:
        document = session.get(Document, document_id)
        if document is None or not document.webhook_url:
            return
        url, payload = document.webhook_url, DocumentOut.of(document).model_dump(mode="json")
    try:
        webhook.send(url, payload, ctx.settings.webhook_allow, ctx.settings.webhook_timeout)
    except WebhookRefused as exc:
        metrics.WEBHOOK_FAILURES.labels(exc.code).inc()
        log.warning("webhook of document %s not called: %s", document_id, exc.message)
    except WebhookFailed as exc:
        metrics.WEBHOOK_FAILURES.labels(exc.code).inc()
        raise
