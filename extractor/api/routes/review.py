"""/v1/review: links a person should look at (low confidence, confusable, conflicts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from extractor.api.deps import DbDep, Offset, WorkspaceDep, require
from extractor.api.schemas import Decision, Listing, ReviewItem
from extractor.errors import NotFound
from extractor.service import link
from extractor.service.tables import PUBLIC_ID_LIMIT, DocumentLink

router = APIRouter(prefix="/v1/review", tags=["review"],
                   dependencies=[Depends(require("reader"))])


@router.get("", response_model=Listing[ReviewItem])
def list_review(db: DbDep, workspace: WorkspaceDep,
                limit: Annotated[int, Query(ge=1, le=500)] = 50,
                offset: Offset = 0) -> Listing[ReviewItem]:
    query = (select(DocumentLink).where(DocumentLink.workspace_id == workspace,
                                        DocumentLink.status == "review")
             .options(selectinload(DocumentLink.document)).order_by(DocumentLink.id))
    with db.session() as session:
        return Listing.fetch(session, query, limit, offset, ReviewItem.of)


@router.post("/{link_id}", response_model=ReviewItem, responses={409: {}},
             dependencies=[Depends(require("member"))])
def decide(link_id: Annotated[int, Path(ge=1, lt=PUBLIC_ID_LIMIT)], body: Decision, db: DbDep,
           workspace: WorkspaceDep) -> ReviewItem:
    """Confirm or reject; the decision is kept when the document is processed again."""
    with db.session() as session:
        row = session.scalar(select(DocumentLink).where(DocumentLink.public_id == link_id,
                                                        DocumentLink.workspace_id == workspace))
        if row is None:
            raise NotFound("no such document link")
        link.decide(session, row, body.decision, body.account_id)
        session.flush()
        return ReviewItem.of(row)
