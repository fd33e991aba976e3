"""/v1/accounts: known accounts in, accounts with their numbers and documents out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from extractor import link
from extractor.routes.deps import DbDep, WorkspaceDep, load
from extractor.schemas import AccountDetail, AccountIn, AccountOut, Page
from extractor.tables import Account

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])


@router.post("", status_code=201, response_model=AccountOut,
             responses={200: {"model": AccountOut, "description": "The number was known"}})
def add_account(body: AccountIn, response: Response, db: DbDep,
                workspace: WorkspaceDep) -> AccountOut:
    """A known account (what `custid accounts import` does per CSV row)."""
    with db.session() as session:
        [(account, created)] = link.import_accounts(
            session, workspace, [link.AccountRow(**body.model_dump())])
        if not created:
            response.status_code = 200
        return AccountOut.of(account)


@router.get("", response_model=Page[AccountOut])
def list_accounts(
    db: DbDep, workspace: WorkspaceDep, issuer: str | None = None,
    holder: Annotated[str | None, Query(description="Part of the holder's name")] = None,
    number: Annotated[str | None, Query(description="Any of the account's numbers")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[AccountOut]:
    query = link.account_query(workspace, issuer, holder, number)
    with db.session() as session:
        rows = session.scalars(query.limit(limit + 1).offset(offset)).all()
        return Page.of([AccountOut.of(row) for row in rows], limit, offset)


@router.get("/{account_id}", response_model=AccountDetail)
def get_account(account_id: str, db: DbDep, workspace: WorkspaceDep) -> AccountDetail:
    """The account with its number history, successors and documents."""
    with db.session() as session:
        account = load(session, Account, account_id, workspace)
        return AccountDetail.of_history(account, *link.account_history(session, account))
