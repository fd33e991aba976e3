"""/v1/accounts: known accounts in, accounts with their numbers and documents out, erasure."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from extractor.api.deps import (
    CallerDep,
    DbDep,
    NumberQuery,
    Offset,
    RevealDep,
    StoreDep,
    WorkspaceDep,
    load,
    require,
)
from extractor.api.schemas import AccountDetail, AccountIn, AccountOut, Listing
from extractor.service import link
from extractor.service.erase import erase
from extractor.service.tables import Account

router = APIRouter(prefix="/v1/accounts", tags=["accounts"],
                   dependencies=[Depends(require("reader"))])
ADMIN = Depends(require("admin"))


@router.post("", status_code=201, response_model=AccountOut, dependencies=[ADMIN],
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


@router.get("", response_model=Listing[AccountOut])
def list_accounts(
    db: DbDep, workspace: WorkspaceDep, number: NumberQuery, issuer: str | None = None,
    holder: Annotated[str | None, Query(description="Part of the holder's name")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> Listing[AccountOut]:
    query = link.account_query(workspace, issuer, holder, number)
    with db.session() as session:
        return Listing.fetch(session, query, limit, offset, AccountOut.of)


@router.get("/{account_id}", response_model=AccountDetail)
def get_account(account_id: str, db: DbDep, workspace: WorkspaceDep,
                reveal: RevealDep) -> AccountDetail:
    """The account with its number history, successors and documents."""
    with db.session() as session:
        account = load(session, Account, account_id, workspace)
        reveal.record(session, "account", account_id)
        return AccountDetail.of_history(account, *link.account_history(session, account),
                                        reveal=bool(reveal))


@router.delete("/{account_id}", status_code=204, dependencies=[ADMIN])
def delete_account(
    account_id: str, db: DbDep, store: StoreDep, caller: CallerDep, workspace: WorkspaceDep,
    erase_: Annotated[Literal["documents"] | None, Query(
        alias="erase", description="documents: also every document, original and result that "
                                   "named the account or one of its numbers")] = None,
) -> None:
    """The account and its numbers (its documents stay, unlinked, unless erased too)."""
    with db.session() as session:
        account = load(session, Account, account_id, workspace)
        erase(session, store, workspace, [account], erase_ == "documents", caller.key_id,
              caller.client)
