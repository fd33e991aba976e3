"""The Celery application (`celery -A workers.celery_app worker`), as the queue stage makes it."""

from __future__ import annotations

from extractor.service.queue import celery_app as _made

celery_app = _made()
