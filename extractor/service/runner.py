"""Run queued documents in a worker process: claim them, extract each (in the reader sandbox),
save them together. A run that has taken SPLIT_AFTER seconds queues the rest, in halves, for
any free workers."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import lru_cache

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import OperationalError

from extractor.document.result import DocumentResult, ErrorInfo
from extractor.errors import InternalError, ProcessingTimeout
from extractor.masking import mask_text
from extractor.pipeline import Extractor
from extractor.service import metrics, processing, queue
from extractor.service.db import Database, database
from extractor.service.sandbox import SandboxedExtractor
from extractor.service.store import Store, open_store
from extractor.service.tables import Document
from extractor.settings import Settings, get_settings

log = logging.getLogger(__name__)
SPLIT_AFTER = 1.0  # seconds: scans take seconds each, text PDFs milliseconds


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
    return Context(settings, database(settings.database), open_store(settings),
                   SandboxedExtractor(settings))


def run(document_ids: list[str]) -> None:
    """Process the documents; those saved with a webhook are notified. A transient database
    error is raised (the task retries; done ones are skipped); anything else fails only its
    document."""
    ctx = context()
    started = time.monotonic()
    claimed = processing.claim(ctx.db, document_ids, ctx.extractor.packs_version,
                               ctx.settings.max_attempts)
    outcomes: list[processing.Processed] = []
    for index, item in enumerate(claimed):
        if outcomes and time.monotonic() - started > SPLIT_AFTER:
            rest = [later.id for later in claimed[index:]]
            processing.release(ctx.db, rest)
            for half in (rest[:len(rest) // 2], rest[len(rest) // 2:]):
                queue.enqueue(half)  # two tasks: halved again as they take long, they spread
            break
        reading = time.monotonic()
        outcome = _extract(ctx, item)
        metrics.extracted(outcome, time.monotonic() - reading)
        outcomes.append((item.id, outcome))
    for document in _save(ctx, outcomes):
        if document.webhook_url:
            queue.notify(document.id)


def _extract(ctx: Context, item: processing.Claimed) -> DocumentResult | ErrorInfo:
    try:
        return processing.extract_claimed(ctx.store, ctx.extractor, item)
    except SoftTimeLimitExceeded:
        return ErrorInfo(code=ProcessingTimeout.code, message="processing took too long")
    except Exception as exc:
        log.exception("document %s failed", item.id)
        return ErrorInfo(code=InternalError.code, message=mask_text(repr(exc)))


def _save(ctx: Context, outcomes: list[processing.Processed]) -> list[Document]:
    """In one transaction; should that fail, one by one, so that an error fails only its own."""
    try:
        return processing.save(ctx.db, outcomes, ctx.extractor.packs_version)
    except OperationalError:
        raise
    except Exception as exc:
        if len(outcomes) > 1:
            return [document for outcome in outcomes for document in _save(ctx, [outcome])]
        log.exception("document %s failed", outcomes[0][0])
        failed = processing.fail(ctx.db, outcomes[0][0], InternalError.code,
                                 mask_text(repr(exc)))
        return [failed] if failed else []
