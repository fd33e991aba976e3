"""A workspace's numbers per issuer, from its processed documents (`GET /v1/lookup`)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from extractor.document.result import DocumentResult
from extractor.recovery import IssuerNumbers, Sighting, issuer_matches, sightings, summarize
from extractor.service.tables import Document


def stored_numbers(session: Session, workspace_id: str,
           issuer: str | None) -> tuple[list[IssuerNumbers], dict[str, str]]:
    """The numbers of a workspace's processed documents (links a person rejected left out),
    and the file name of each document id."""
    query = select(Document).where(Document.workspace_id == workspace_id,
                                   Document.status == "done")
    if issuer:
        firsts = (select(func.min(Document.id))
                  .where(Document.workspace_id == workspace_id, Document.status == "done",
                         Document.issuer_key.is_not(None)).group_by(Document.issuer_key))
        names = {k: (result or {}).get("issuer") or {} for k, result in session.execute(
            select(Document.issuer_key, Document.result).where(Document.id.in_(firsts)))}
        keys = [k for k, name in names.items()
                if issuer_matches(issuer, name.get("name", ""), name.get("domain"))]
        query = query.where(Document.issuer_key.in_(keys))
    found: list[Sighting] = []
    filenames: dict[str, str] = {}
    for document in session.scalars(query.options(selectinload(Document.links))):
        rejected = {link.normalized for link in document.links if link.status == "rejected"}
        filenames[document.id] = document.filename
        found += [s for s in sightings(document.id, DocumentResult.model_validate(document.result))
                  if s.finding.normalized not in rejected]
    return summarize(found, issuer), filenames
