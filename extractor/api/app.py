"""The HTTP API (FastAPI): upgrades the database at start and runs the sweep of stuck documents.

Run it with `custid serve`, or `uvicorn extractor.api.app:create_app --factory`.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.routing import Route

from extractor.api.routes import accounts, documents, health, keys, lookup, review, web
from extractor.errors import InputError, TooLarge
from extractor.masking import install_log_masking
from extractor.service import queue
from extractor.service.admission import Admitter
from extractor.service.auth import KeyCache, RateLimiter
from extractor.service.db import Database, database, upgrade
from extractor.service.store import Store
from extractor.service.tables import DEFAULT_WORKSPACE
from extractor.service.webhook import WebhookRefused
from extractor.settings import Settings, get_settings

log = logging.getLogger(__name__)
RETRY_AFTER = 5  # seconds a client waits when the database is unavailable


async def _sweep_forever(db: Database, settings: Settings) -> None:
    while True:
        await asyncio.sleep(settings.sweep_interval)
        try:
            await asyncio.to_thread(queue.sweep, db, settings.stuck_after, settings.max_attempts)
        except Exception:
            log.exception("sweep failed; trying again in %s s", settings.sweep_interval)


def _error(status: int):
    async def handler(_request: Request, exc: Exception) -> JSONResponse:
        code, message = getattr(exc, "code", "error"), getattr(exc, "message", str(exc))
        return JSONResponse({"detail": {"code": code, "message": message}}, status_code=status)
    return handler


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", exc.__class__.__name__)
    return JSONResponse({"detail": {"code": "unavailable", "message": "the database is "
                                    "unavailable; nothing was recorded, try again"}},
                        status_code=503, headers={"Retry-After": str(RETRY_AFTER)})


async def _os_error(_request: Request, exc: Exception) -> JSONResponse:
    if getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
        return JSONResponse({"detail": {"code": "disk_full", "message": "the data disk is "
                                        "full; nothing was stored"}}, status_code=507)
    log.error("storage error: %s", exc.__class__.__name__)
    return JSONResponse({"detail": {"code": "storage_error", "message": "the file could not "
                                    "be stored"}}, status_code=500)


class _App(FastAPI):
    def openapi(self) -> dict[str, Any]:
        """FastAPI's schema (made once), with the upload (a bare route) in it."""
        schema = super().openapi()
        schema["paths"]["/v1/documents"]["post"] = documents.UPLOAD
        return schema


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    install_log_masking()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(upgrade, settings.database)
        db = database(settings.database)
        db.ensure_workspace(DEFAULT_WORKSPACE, settings.workspace_mode)
        app.state.settings, app.state.db = settings, db
        app.state.store = Store(settings.data_dir)
        app.state.admitter = Admitter(db, app.state.store)
        app.state.limiter = RateLimiter(settings.rate_limit)
        app.state.keys = KeyCache(settings.key_cache_seconds)
        sweeper = (asyncio.create_task(_sweep_forever(db, settings))
                   if settings.sweep_interval else None)
        gc.collect()  # what startup built (150,000 objects; a full collection over them took
        gc.freeze()  # 70 ms here, stalling every request in flight) is left out of later ones
        yield
        gc.unfreeze()
        await asyncio.to_thread(app.state.admitter.close)
        if sweeper is not None:
            sweeper.cancel()
            with suppress(asyncio.CancelledError):
                await sweeper

    app = _App(title="custid", version="1", lifespan=lifespan,
               description="Customer and account numbers from invoices, bills and statements, "
                           "linked to accounts.")
    for router in (health.router, documents.router, accounts.router, review.router,
                   keys.router, lookup.router, web.router):
        app.include_router(router)
    app.router.routes.insert(0, Route("/v1/documents", documents.Upload(), methods=["POST"],
                                      name="upload", include_in_schema=False))  # matched first
    app.mount("/web", web.assets, name="web")
    app.add_exception_handler(TooLarge, _error(413))
    app.add_exception_handler(InputError, _error(400))
    app.add_exception_handler(WebhookRefused, _error(422))
    for unavailable in (OperationalError, PoolTimeout):
        app.add_exception_handler(unavailable, _database_unavailable)
    app.add_exception_handler(OSError, _os_error)
    return app
