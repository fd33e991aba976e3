"""Erasure: an account, its numbers and (on request) every document that named one of them, with
the originals, results, links and audit entries about them, and every document not read yet (or
that failed) whose original carries one of the numbers, so that no worker brings them back. The
erasure itself is audited without naming what it erased. On SQLite, deleted rows are overwritten
(secure_delete) and the WAL is checkpointed and truncated after the erasure."""

from __future__ import annotations

import base64
import re
import zlib
from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from extractor.match.values import normalize
from extractor.service import auth, processing
from extractor.service.db import checkpoint
from extractor.service.store import Store
from extractor.service.tables import Account, AccountNumber, AuditEvent, Document, DocumentLink
from extractor.text import key

UNREAD = ("queued", "processing", "failed")  # statuses whose documents have no links to go by
INFLATE_RATIO = 10  # a text stream inflates to a few times its size
STREAM = re.compile(rb"stream\r?\n")  # where a PDF's (often compressed) stream starts


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
    if documents and numbers:
        named += _unread_carrying(session, store, workspace_id, numbers)
    forgotten = ids + [document.id for document in named]
    for document in named:
        processing.delete_document(session, store, document)
    for account in accounts:
        session.delete(account)
    session.execute(delete(AuditEvent).where(AuditEvent.workspace_id == workspace_id,
                                             AuditEvent.object_id.in_(forgotten)))
    auth.audit(session, workspace_id, by, "erase", "account", None, client)
    event.listen(session, "after_commit", lambda done: checkpoint(done.get_bind()), once=True)
    return Erased(len(accounts), len(named))


def _unread_carrying(session: Session, store: Store, workspace_id: str,
                     numbers: set[str]) -> list[Document]:
    """The workspace's documents not read (yet, or at all) whose original shows one of the
    numbers, normalized as the linker normalizes them."""
    shown = []
    for document in session.scalars(select(Document).where(
            Document.workspace_id == workspace_id, Document.status.in_(UNREAD))):
        with suppress(OSError):
            text = normalize(_text_of(store.read(document.sha256)))
            if any(number in text for number in numbers):
                shown.append(document)
    return shown


def _text_of(original: bytes) -> str:
    """The bytes as Latin-1 text, with a PDF's Flate streams (ASCII85-wrapped too) inflated
    after them (to INFLATE_RATIO times the original's size in all: a bomb stays small)."""
    parts, budget = [original], INFLATE_RATIO * len(original)
    for start in STREAM.finditer(original):
        if budget <= 0:
            break
        data = original[start.end():original.find(b"endstream", start.end())].rstrip()
        with suppress(ValueError, zlib.error):
            if data.endswith(b"~>"):  # ASCII85 (ReportLab writes its streams so)
                data = base64.a85decode(data, adobe=True)
            parts.append(zlib.decompressobj().decompress(data, budget))
            budget -= len(parts[-1])
    return b"\n".join(parts).decode("latin-1")
