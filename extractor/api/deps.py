"""Dependencies shared by the routes: the app's database, store and settings, the caller (an API
key: its workspace and role), reveals and rate limits.

Those that do no blocking I/O are `async def`: FastAPI runs a plain `def` dependency in its
thread pool, a hand-off to another thread per dependency and request."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Protocol, TypeVar

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from extractor.errors import Forbidden, NotFound, RateLimited, Unauthorized
from extractor.service import auth
from extractor.service.db import Database
from extractor.service.store import Store
from extractor.settings import Settings


class _Owned(Protocol):
    """A table whose rows belong to a workspace."""

    __tablename__: str
    workspace_id: str


M = TypeVar("M", bound=_Owned)
MAX_ROW = 2**31 - 1  # ids and offsets beyond every database's integer
Offset = Annotated[int, Query(ge=0, le=MAX_ROW)]
bearer = HTTPBearer(auto_error=False, description="An API key: `custid keys create`")


async def _db(request: Request) -> Database:
    return request.app.state.db


async def _store(request: Request) -> Store:
    return request.app.state.store


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


DbDep = Annotated[Database, Depends(_db)]
StoreDep = Annotated[Store, Depends(_store)]
SettingsDep = Annotated[Settings, Depends(_settings)]


@dataclass(frozen=True, slots=True)
class Caller:
    key_id: str
    workspace_id: str
    role: str
    client: str | None


async def identify(request: Request, db: Database,
                   credentials: HTTPAuthorizationCredentials | None) -> Caller:
    """The API key of `Authorization: Bearer <key>`, or 401 (recently verified keys from memory,
    see auth.KeyCache; the others from the database, in the thread pool)."""
    key = None
    if credentials is not None:
        keys: auth.KeyCache = request.app.state.keys
        key = keys.get(credentials.credentials) or await run_in_threadpool(
            keys.verify, db, credentials.credentials)
    if key is None:
        raise Unauthorized("a valid API key is needed: Authorization: Bearer <key>",
                           headers={"WWW-Authenticate": "Bearer"})
    return Caller(key.id, key.workspace_id, key.role,
                  request.client.host if request.client else None)


async def current_caller(request: Request, db: DbDep, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
    return await identify(request, db, credentials)


CallerDep = Annotated[Caller, Depends(current_caller)]


async def current_workspace(caller: CallerDep) -> str:
    """The caller's workspace: every query of a route is confined to it."""
    return caller.workspace_id


WorkspaceDep = Annotated[str, Depends(current_workspace)]


def allow(caller: Caller, role: auth.Role) -> None:
    """403 unless the caller's role is at least `role`."""
    if auth.RANK[caller.role] < auth.RANK[role]:
        raise Forbidden(f"this needs a key with the {role} role")


def require(role: auth.Role) -> Callable[[Caller], Awaitable[None]]:
    """A route dependency: `allow`."""
    async def check(caller: CallerDep) -> None:
        allow(caller, role)
    return check


def rate_limit(request: Request, caller: CallerDep, count: int = 1) -> None:
    """Count `count` number lookups or reveals against the caller's per-minute budget; 429 past
    it (none counted)."""
    wait = request.app.state.limiter.take(caller.key_id, count)
    if wait == math.inf:
        raise RateLimited(f"{count} numbers are more than a minute's budget of reveals with "
                          "this key: narrow the query")
    if wait:
        raise RateLimited("too many number lookups or reveals with this key",
                          headers={"Retry-After": str(int(wait) + 1)})


@dataclass(frozen=True, slots=True)
class Reveal:
    """`?reveal=true`: full numbers, each reveal in the audit log; otherwise masked."""

    caller: Caller | None

    def __bool__(self) -> bool:
        return self.caller is not None

    def record(self, session: Session, object_type: str, object_id: str | None) -> None:
        if self.caller is not None:
            auth.audit(session, self.caller.workspace_id, self.caller.key_id, "reveal",
                       object_type, object_id, self.caller.client)


async def _reveal(request: Request, caller: CallerDep, reveal: Annotated[bool, Query(
        description="Show full numbers (audited, rate-limited)")] = False) -> Reveal:
    if reveal:
        rate_limit(request, caller)
    return Reveal(caller if reveal else None)


async def _number(request: Request, caller: CallerDep, number: Annotated[str | None, Query(
        description="Any of the account's numbers (rate-limited)")] = None) -> str | None:
    if number:
        rate_limit(request, caller)
    return number


RevealDep = Annotated[Reveal, Depends(_reveal)]
NumberQuery = Annotated[str | None, Depends(_number)]


def load(session: Session, model: type[M], row_id: object, workspace_id: str) -> M:
    """The row of this workspace, or 404 (the same for another workspace's row)."""
    row = session.get(model, row_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFound(f"no such {model.__tablename__.rstrip('s').replace('_', ' ')}")
    return row
