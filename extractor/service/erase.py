"""Erasure: an account, its numbers and (on request) every document that named one of them, with
the originals, results, links and audit entries about them. The erasure itself is audited
without naming what it erased."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from extractor.match.values import normalize
from extractor.service import auth, processing
from extractor.service.store import Store
from extractor.service.tables import Account, AccountNumber, AuditEvent, Document, DocumentLink
from extractor.text import key


@dataclass(frozen=True, slots=True)
class Erased:
    accounts: int
    documents: int


def accounts_with(session: Session, workspace_id: str, number: str, issuer: str) -> list[Account]:
    """The workspace's accounts at `issuer` that ever had `number`."""
    return list(session.scalars(
        select(Account).join(AccountNumber)
        .where(Account.workspace_id == workspace_id, Account.issuer_key == key(issuer),
               AccountNumber.normalized == normalize(number)).distinct()))


def erase(session: Session, store: Store, workspace_id: str, accounts: list[Account],
          documents: bool, by: str, client: str | None = None) -> Erased:
    """Delete the accounts (of `workspace_id`) and, with `documents`, every document of the
    workspace linked to them or carrying one of their numbers."""
    ids = [account.id for account in accounts]
    numbers = {number.normalized for account in accounts for number in account.numbers}
    named: list[Document] = []
    if documents and ids:
        named = list(session.scalars(select(Document).where(
            Document.workspace_id == workspace_id,
            Document.id.in_(select(DocumentLink.document_id).where(
                DocumentLink.workspace_id == workspace_id,
                DocumentLink.account_id.in_(ids) | DocumentLink.normalized.in_(numbers))))))
    forgotten = ids + [document.id for document in named]
    for document in named:
        processing.delete_document(session, store, document)
    for account in accounts:
        session.delete(account)
    session.execute(delete(AuditEvent).where(AuditEvent.workspace_id == workspace_id,
                                             AuditEvent.object_id.in_(forgotten)))
    auth.audit(session, workspace_id, by, "erase", "account", None, client)
    return Erased(len(accounts), len(named))
