"""/v1/keys and /v1/audit (admins): the workspace's API keys and its audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from extractor.api.deps import CallerDep, DbDep, Offset, SettingsDep, WorkspaceDep, require
from extractor.api.schemas import AuditOut, KeyCreated, KeyIn, KeyOut, Listing
from extractor.errors import NotFound
from extractor.service import auth
from extractor.service.tables import AuditEvent

router = APIRouter(prefix="/v1", dependencies=[Depends(require("admin"))])


@router.get("/keys", response_model=list[KeyOut], tags=["keys"])
def list_keys(db: DbDep, workspace: WorkspaceDep) -> list[KeyOut]:
    with db.session() as session:
        return [KeyOut.model_validate(row) for row in auth.list_keys(session, workspace)]


@router.post("/keys", status_code=201, response_model=KeyCreated, tags=["keys"])
def create_key(body: KeyIn, db: DbDep, settings: SettingsDep,
               workspace: WorkspaceDep) -> KeyCreated:
    """A new key of this workspace; the key is in this answer only."""
    with db.session() as session:
        return KeyCreated.of(*auth.create_key(session, workspace, body.role,
                                              settings.workspace_mode))


@router.delete("/keys/{key_id}", status_code=204, tags=["keys"])
def revoke_key(key_id: str, request: Request, db: DbDep, caller: CallerDep,
               workspace: WorkspaceDep) -> None:
    with db.session() as session:
        if not auth.revoke(session, key_id, caller.key_id, workspace):
            raise NotFound("no such key")
    request.app.state.keys.forget(key_id)


@router.get("/audit", response_model=Listing[AuditOut], tags=["audit"])
def list_audit(db: DbDep, workspace: WorkspaceDep,
               limit: Annotated[int, Query(ge=1, le=500)] = 50,
               offset: Offset = 0) -> Listing[AuditOut]:
    """Reveals, erasures and key changes, newest first."""
    query = (select(AuditEvent).where(AuditEvent.workspace_id == workspace)
             .order_by(AuditEvent.id.desc()))
    with db.session() as session:
        return Listing.fetch(session, query, limit, offset, AuditOut.model_validate)
