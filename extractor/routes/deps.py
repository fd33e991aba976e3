"""Dependencies shared by the routes: the app's database, store and settings, the workspace."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from extractor.db import Database
from extractor.settings import Settings
from extractor.store import Store
from extractor.tables import DEFAULT_WORKSPACE, Base

M = TypeVar("M", bound=Base)


def _db(request: Request) -> Database:
    return request.app.state.db


def _store(request: Request) -> Store:
    return request.app.state.store


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def current_workspace() -> str:
    """The caller's workspace: the default one until API keys say otherwise."""
    return DEFAULT_WORKSPACE


DbDep = Annotated[Database, Depends(_db)]
StoreDep = Annotated[Store, Depends(_store)]
SettingsDep = Annotated[Settings, Depends(_settings)]
WorkspaceDep = Annotated[str, Depends(current_workspace)]


def load(session: Session, model: type[M], row_id: object, workspace_id: str) -> M:
    """The row of this workspace, or 404."""
    row = session.get(model, row_id)
    if row is None or row.workspace_id != workspace_id:
        raise HTTPException(404, f"no such {model.__tablename__.rstrip('s').replace('_', ' ')}")
    return row
