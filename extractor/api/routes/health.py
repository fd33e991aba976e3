"""/healthz (the process answers) and /readyz (database, Redis and a worker answer)."""

from __future__ import annotations

import redis
from fastapi import APIRouter, Response
from sqlalchemy import text

from extractor.api.deps import DbDep, SettingsDep
from extractor.api.schemas import Health
from extractor.service import queue

router = APIRouter(tags=["health"])
TIMEOUT = 1.0


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
def readyz(response: Response, db: DbDep, settings: SettingsDep) -> Health:
    checks: dict[str, str] = {}
    try:
        with db.session() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        if not settings.redis_url:
            raise RuntimeError("REDIS_URL is not set")
        redis.Redis.from_url(settings.redis_url, socket_timeout=TIMEOUT).ping()
        answering = queue.workers_answering(timeout=TIMEOUT)
        checks["redis"] = "ok"
        checks["workers"] = str(answering) if answering else "error: no worker answered"
    except Exception as exc:
        checks.setdefault("redis", f"error: {exc}")
    ready = all(not value.startswith("error") for value in checks.values()) and "workers" in checks
    if not ready:
        response.status_code = 503
    return Health(status="ok" if ready else "unavailable", checks=checks)
