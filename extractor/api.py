"""The HTTP API (FastAPI): upgrades the database at start and runs the sweep of stuck documents.

Run it with `custid serve`, or `uvicorn extractor.api:create_app --factory`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from extractor import queue
from extractor.db import Database, database, upgrade
from extractor.errors import InputError, TooLarge
from extractor.routes import accounts, documents, health, review
from extractor.settings import Settings, get_settings
from extractor.store import Store
from extractor.tables import DEFAULT_WORKSPACE
from extractor.webhook import WebhookRefused

log = logging.getLogger(__name__)


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


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(upgrade, settings.database)
        db = database(settings.database)
        db.ensure_workspace(DEFAULT_WORKSPACE, settings.workspace_mode)
        app.state.settings, app.state.db = settings, db
        app.state.store = Store(settings.data_dir)
        sweeper = (asyncio.create_task(_sweep_forever(db, settings))
                   if settings.sweep_interval else None)
        yield
        if sweeper is not None:
            sweeper.cancel()
            with suppress(asyncio.CancelledError):
                await sweeper

    app = FastAPI(title="custid", version="1", lifespan=lifespan,
                  description="Customer and account numbers from invoices, bills and statements, "
                              "linked to accounts.")
    for router in (health.router, documents.router, accounts.router, review.router):
        app.include_router(router)
    app.add_exception_handler(TooLarge, _error(413))
    app.add_exception_handler(InputError, _error(400))
    app.add_exception_handler(WebhookRefused, _error(422))
    return app
