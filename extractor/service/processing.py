"""Results stage: run queued documents through the pipeline, keep their results and links; list,
reprocess and delete documents.

Processing is idempotent, keyed by the document's sha256 and the pattern-pack version: a
document done with these packs is skipped. A result is never reused from another workspace's
copy of the same file (how fast a document is done would tell that someone else has it).
Documents are claimed and saved in batches (one statement, one transaction) and extracted in
between, outside any.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Select, case, event, exists, select, update
from sqlalchemy.orm import Session, selectinload

from extractor.document.result import DocumentResult, ErrorInfo
from extractor.pipeline import Extractor
from extractor.service.db import Database, lock_files
from extractor.service.link import link_document
from extractor.service.queue import given_up
from extractor.service.store import Store
from extractor.service.tables import Document, now
from extractor.text import key

Processed = tuple[str, DocumentResult | ErrorInfo]  # a document's result, or why it failed


@dataclass(frozen=True, slots=True)
class Claimed:
    """A document being processed, and where its original is."""

    id: str
    sha256: str
    filename: str


def claim(db: Database, document_ids: list[str], version: str,
          max_attempts: int) -> list[Claimed]:
    """Mark the documents processing in one statement, in their order; those gone or done with
    these packs already are left out. A document found processing was being processed by a
    worker that died (its message came back): that counts as an attempt, as in the sweep, and
    once `max_attempts` runs stopped so it fails instead (a document that kills its worker must
    not do so for ever)."""
    pending = (Document.status != "done") | Document.packs_version.is_distinct_from(version)
    redelivered = Document.status == "processing"
    with db.session() as session:
        failed = session.scalars(
            update(Document)
            .where(Document.id.in_(document_ids), redelivered,
                   Document.attempts + 1 >= max_attempts)
            .values(**given_up(max_attempts), attempts=Document.attempts + 1, updated_at=now())
            .returning(Document.id).execution_options(synchronize_session=False)).all()
        rows = session.execute(
            update(Document)
            .where(Document.id.in_(set(document_ids) - set(failed)), pending)
            .values(status="processing", updated_at=now(),
                    attempts=Document.attempts + case((redelivered, 1), else_=0))
            .returning(Document.id, Document.sha256, Document.filename)
            .execution_options(synchronize_session=False)).all()
    order = {document_id: index for index, document_id in enumerate(document_ids)}
    return [Claimed(row.id, row.sha256, row.filename)
            for row in sorted(rows, key=lambda row: order[row.id])]


def release(db: Database, document_ids: list[str]) -> None:
    """Claimed documents left for other tasks: queued again, not yet attempted."""
    with db.session() as session:
        session.execute(update(Document)
                        .where(Document.id.in_(document_ids), Document.status == "processing")
                        .values(status="queued", updated_at=now())
                        .execution_options(synchronize_session=False))


def extract_claimed(store: Store, extractor: Extractor, claimed: Claimed) -> DocumentResult:
    """The claimed document's result, extracted from its original."""
    return extractor.extract_bytes(store.read(claimed.sha256), claimed.filename)


def save(db: Database, outcomes: list[Processed], version: str) -> list[Document]:
    """Keep results (with their links) and failures in one transaction; the documents saved, in
    order (those deleted meanwhile are left out)."""
    with db.session() as session:
        documents = {document.id: document for document in session.scalars(
            select(Document).where(Document.id.in_([document_id for document_id, _ in outcomes]))
            .order_by(Document.id).with_for_update().options(selectinload(Document.links)))}
        for document_id, outcome in outcomes:
            if document := documents.get(document_id):
                if isinstance(outcome, ErrorInfo):
                    _fail(document, outcome.code, outcome.message)
                else:
                    _keep(session, document, outcome, version)
        return [documents[document_id] for document_id, _ in outcomes if document_id in documents]


def _keep(session: Session, document: Document, result: DocumentResult, version: str) -> None:
    document.result = result.model_dump(mode="json")
    document.packs_version = version
    document.status = "failed" if result.error else "done"
    document.error_code = result.error.code if result.error else None
    document.error_message = result.error.message if result.error else None
    document.issuer_key = key(result.issuer.name) if result.issuer else None
    document.kind = getattr(result, "document_kind", None)  # once the pipeline reports it
    document.document_date = (dt.date.fromisoformat(result.document_date)
                              if result.document_date else None)
    document.updated_at = now()
    link_document(session, document, result)


def fail(db: Database, document_id: str, code: str, message: str) -> Document | None:
    with db.session() as session:
        document = session.get(Document, document_id, with_for_update=True)
        if document is not None:
            _fail(document, code, message)
        return document


def _fail(document: Document, code: str, message: str) -> None:
    document.status, document.error_code, document.error_message = "failed", code, message
    document.updated_at = now()


def requeue(session: Session, document: Document) -> None:
    """Back to queued (the caller enqueues after commit); links are replaced when it is done."""
    document.status, document.updated_at, document.attempts = "queued", now(), 0
    document.error_code = document.error_message = None


def delete_document(session: Session, store: Store, document: Document) -> None:
    """The document, its result and links; after commit its original, unless another
    workspace's document has the same file (checked under the file's lock, see store)."""
    session.delete(document)
    event.listen(session, "after_commit",
                 lambda done: drop_original(done.get_bind(), store, document.sha256), once=True)


def drop_original(bind: Engine | Connection, store: Store, sha256: str) -> bool:
    """The original, unless a document has it (checked under the file's lock, see store):
    whether it went."""
    with store.lock(sha256), Session(bind) as session, session.begin():
        lock_files(session, [sha256])
        if session.scalar(select(exists().where(Document.sha256 == sha256))):
            return False
        store.delete(sha256)
        return True


def sweep_originals(db: Database, store: Store, older_than: float) -> list[str]:
    """Remove the originals no document has, placed more than `older_than` seconds ago: those of
    uploads whose transaction failed with the database away (see admission). Recent ones stay,
    as an upload on another host may be about to commit its row."""
    dropped: list[str] = []
    for batch in store.stored(time.time() - older_than):
        with db.session() as session:
            had = set(session.scalars(select(Document.sha256).where(Document.sha256.in_(batch))))
        dropped += [sha256 for sha256 in batch
                    if sha256 not in had and drop_original(db.engine, store, sha256)]
    return dropped


def document_query(workspace_id: str, status: str | None = None, issuer: str | None = None,
                   kind: str | None = None, date_from: dt.date | None = None,
                   date_to: dt.date | None = None) -> Select[Any]:
    """Documents of a workspace, newest first, filtered."""
    query = select(Document).where(Document.workspace_id == workspace_id)
    for column, value in ((Document.status, status), (Document.kind, kind),
                          (Document.issuer_key, key(issuer) if issuer else None)):
        if value is not None:
            query = query.where(column == value)
    if date_from is not None:
        query = query.where(Document.document_date >= date_from)
    if date_to is not None:
        query = query.where(Document.document_date <= date_to)
    return query.order_by(Document.created_at.desc(), Document.id)

