"""`custid status`: the queue, the workers and the rate of documents, as an operator asks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from extractor.service import queue
from extractor.service.db import Database
from extractor.service.tables import Document, now

RATE_MINUTES = 5  # documents a minute: those finished in the last 5 minutes, averaged
PING_SECONDS = 1.0


@dataclass(frozen=True)
class ServiceStatus:
    queue_depth: dict[str, int]
    workers: list[str]
    documents_per_minute: float
    failures_last_hour: int
    failures_by_code: dict[str, int]


def status(db: Database) -> ServiceStatus:
    """The queues' depth and the workers answering (from the broker), the rate and the
    failures (from the database, every workspace)."""
    finished = Document.status.in_(("done", "failed"))
    with db.session() as session:
        recent = session.scalar(select(func.count()).where(
            finished, Document.updated_at >= now() - dt.timedelta(minutes=RATE_MINUTES)))
        failures = session.execute(
            select(Document.error_code, func.count())
            .where(Document.status == "failed",
                   Document.updated_at >= now() - dt.timedelta(hours=1))
            .group_by(Document.error_code).order_by(Document.error_code)).all()
    by_code = {str(code): count for code, count in failures}
    return ServiceStatus(queue.depths(), queue.workers_seen(PING_SECONDS),
                         round((recent or 0) / RATE_MINUTES, 1), sum(by_code.values()), by_code)
