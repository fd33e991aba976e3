"""Results stage: run a queued document through the pipeline, keep its result and links; list,
reprocess and delete documents.

Processing is idempotent, keyed by the document's sha256 and the pattern-pack version: a
document done with these packs is skipped, and a result of the same file with the same packs
(another workspace, an earlier run) is reused instead of extracting again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from extractor.db import Database
from extractor.link import key, link_document
from extractor.models import DocumentResult
from extractor.pipeline import Extractor
from extractor.store import Store
from extractor.tables import Document, now


def _claim(db: Database, document_id: str, version: str) -> tuple[Document, dict | None] | None:
    """Mark the document processing; with a reusable result, or None when there is nothing to do."""
    with db.session() as session:
        document = session.get(Document, document_id)
        if document is None or (document.status == "done" and document.packs_version == version):
            return None
        document.status, document.updated_at = "processing", now()
        reusable = (Document.packs_version == version) & Document.error_code.is_(None)
        cached = session.scalar(select(Document.result).where(
            Document.sha256 == document.sha256, Document.result.is_not(None), reusable)
            .order_by((Document.id == document_id).desc()).limit(1))
        return document, cached


def process(db: Database, store: Store, extractor: Extractor, document_id: str) -> Document | None:
    """Extract (or reuse), save and link one document; None if it was gone or done already."""
    claimed = _claim(db, document_id, extractor.packs_version)
    if claimed is None:
        return None
    document, cached = claimed
    if cached is not None:
        result = DocumentResult.model_validate({**cached, "file": document.filename})
    else:
        result = extractor.extract_bytes(store.read(document.sha256), document.filename)
    return save(db, document_id, result, extractor.packs_version)


def save(db: Database, document_id: str, result: DocumentResult, version: str) -> Document | None:
    with db.session() as session:
        document = session.get(Document, document_id, with_for_update=True)
        if document is None:  # deleted meanwhile
            return None
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
        return document


def fail(db: Database, document_id: str, code: str, message: str) -> Document | None:
    with db.session() as session:
        document = session.get(Document, document_id, with_for_update=True)
        if document is not None:
            document.status, document.error_code, document.error_message = "failed", code, message
            document.updated_at = now()
        return document


def requeue(session: Session, document: Document) -> None:
    """Back to queued (the caller enqueues after commit); links are replaced when it is done."""
    document.status, document.updated_at, document.attempts = "queued", now(), 0
    document.error_code = document.error_message = None


def delete_document(session: Session, store: Store, document: Document) -> None:
    """The document, its result and links; the original too unless another workspace has it."""
    session.delete(document)
    session.flush()
    if not session.scalar(select(exists().where(Document.sha256 == document.sha256))):
        store.delete(document.sha256)


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

