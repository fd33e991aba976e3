"""Celery workers: `celery -A workers.celery_app worker` (or `custid worker`)."""
