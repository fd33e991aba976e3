"""The HTTP API (FastAPI): upgrades the database at start and runs the sweep of stuck documents.

Run it with `custid serve`, or `uvicorn extractor.api.app:create_app --factory`.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.routing import Route

from extractor.api.limits import BodyLimit, UploadSlots, answer, secured
from extractor.api.routes import accounts, documents, health, keys, lookup, metrics, review, web
from extractor.errors import (
    BY_STATUS,
    CustidError,
    DatabaseUnavailable,
    DiskFull,
    InternalError,
    InvalidRequest,
    StorageError,
)
from extractor.masking import install_log_masking
from extractor.service import logs, processing, queue
from extractor.service.admission import Admitter
from extractor.service.auth import KeyCache, RateLimiter
from extractor.service.db import Database, database, upgrade
from extractor.service.store import Store, open_store
from extractor.service.tables import DEFAULT_WORKSPACE
from extractor.settings import Settings, get_settings

log = logging.getLogger(__name__)
RETRY_AFTER = 5  # seconds a client waits when the database is unavailable


async def _sweep_forever(db: Database, store: Store, settings: Settings) -> None:
    """Stuck documents every `sweep_interval`; originals no document has (the whole store
    listed) every `orphan_after` at most."""
    originals_due = 0.0
    while True:
        await asyncio.sleep(settings.sweep_interval)
        try:
            await asyncio.to_thread(queue.sweep, db, settings.stuck_after, settings.max_attempts)
            if (started := time.monotonic()) >= originals_due:
                await asyncio.to_thread(processing.sweep_originals, db, store,
                                        settings.orphan_after)
                originals_due = started + settings.orphan_after
        except Exception:
            log.exception("sweep failed; trying again in %s s", settings.sweep_interval)


async def _custid_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CustidError)
    return answer(exc)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    """What the framework answers itself: an unknown route, a method a route does not take."""
    assert isinstance(exc, HTTPException)
    error = BY_STATUS.get(exc.status_code, CustidError)(str(exc.detail), exc.headers)
    error.http_status = exc.status_code
    return answer(error)


async def _invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    """422, each field's error under `errors` (FastAPI's list), the first ones in `message`."""
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    message = "; ".join(".".join(map(str, error["loc"])) + ": " + error["msg"]
                        for error in errors[:3])
    return answer(InvalidRequest(message), errors=jsonable_encoder(errors))


async def _server_error(_request: Request, _exc: Exception) -> JSONResponse:
    """A bug: the answer says no more (the server's log has the traceback)."""
    return answer(InternalError("the server failed on this request"))


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", exc.__class__.__name__)
    return answer(DatabaseUnavailable("the database is unavailable; nothing was recorded, "
                                       "try again", headers={"Retry-After": str(RETRY_AFTER)}))


async def _os_error(_request: Request, exc: Exception) -> JSONResponse:
    if getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
        return answer(DiskFull("the data disk is full; nothing was stored"))
    log.error("storage error: %s", exc.__class__.__name__)
    return answer(StorageError("the file could not be stored"))


class _App(FastAPI):
    def openapi(self) -> dict[str, Any]:
        """FastAPI's schema (made once), with the upload (a bare route) in it."""
        schema = super().openapi()
        schema["paths"]["/v1/documents"]["post"] = documents.UPLOAD
        schema["components"]["schemas"].update(documents.UPLOAD_SCHEMAS)
        return schema


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    install_log_masking()
    logs.use_format(settings.log_format)  # uvicorn has set up its handlers by now

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(upgrade, settings.database)
        db = database(settings.database)
        db.ensure_workspace(DEFAULT_WORKSPACE, settings.workspace_mode)
        app.state.settings, app.state.db = settings, db
        app.state.store = await asyncio.to_thread(open_store, settings)
        app.state.admitter = Admitter(db, app.state.store)
        app.state.limiter = RateLimiter(settings.rate_limit)
        app.state.keys = KeyCache(settings.key_cache_seconds)
        app.state.uploads = UploadSlots(settings.max_uploads_per_key)
        sweeper = (asyncio.create_task(_sweep_forever(db, app.state.store, settings))
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
                   keys.router, lookup.router, metrics.router, web.router):
        app.include_router(router)
    app.router.routes.insert(0, Route("/v1/documents", documents.UploadEndpoint(), methods=["POST"],
                                      name="upload", include_in_schema=False))  # matched first
    app.mount("/web", secured(web.assets), name="web")
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_exception_handler(CustidError, _custid_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(Exception, _server_error)
    for unavailable in (OperationalError, PoolTimeout):
        app.add_exception_handler(unavailable, _database_unavailable)
    app.add_exception_handler(OSError, _os_error)
    return app
