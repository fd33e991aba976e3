"""The Celery application: Redis broker, late acknowledgement, one document at a time."""

from __future__ import annotations

from celery import Celery

from extractor.masking import install_log_masking
from extractor.settings import Settings, get_settings


def make_celery(settings: Settings) -> Celery:
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
    return app


celery_app = make_celery(get_settings())
