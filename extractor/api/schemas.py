"""Request and response bodies of the HTTP API (v1); webhooks post `DocumentOut`.

Numbers (values, normalized values, snippets) are masked (`••••7751`) unless `reveal` is passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Generic, Literal, Self, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Select
from sqlalchemy.orm import Session

from extractor.document.result import DocumentResult, ErrorInfo, Kind
from extractor.masking import mask, mask_numbers
from extractor.match.values import normalize
from extractor.service.link import numbers_newest_first
from extractor.service.tables import Account, ApiKey, Document, DocumentLink
from extractor.settings import get_settings

Status = Literal["queued", "processing", "done", "failed"]
T = TypeVar("T")
# A link's or audit event's `id` is its random public id (the row's counter is not shown).
PUBLIC_ID = AliasChoices("public_id", "id")
NAME_LENGTH = 255  # of an issuer's and a holder's name, as the tables keep them


class Listing(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int
    next_offset: int | None = Field(None, description="Offset of the next page, if any")

    @classmethod
    def fetch(cls, session: Session, query: Select[Any], limit: int, offset: int,
              make: Callable[[Any], T]) -> Listing[T]:
        """A page of the query's rows, each made into an item; one row more than `limit` is
        read to tell whether there is a next page."""
        rows = session.scalars(query.limit(limit + 1).offset(offset)).all()
        more = len(rows) > limit
        return cls(items=[make(row) for row in rows[:limit]], limit=limit, offset=offset,
                   next_offset=offset + limit if more else None)


class _Numbered(BaseModel):
    """A model with a `value` and its `normalized` form, shown masked unless revealed."""

    value: str
    normalized: str

    def shown(self, reveal: bool = False) -> Self:
        return self if reveal else self.model_copy(
            update={"value": mask(self.value), "normalized": mask(self.normalized)})


def _masked_result(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """Every finding's value and every number-shaped token masked wherever text is shown: in
    snippets (which show other findings' numbers too), and in attachment names (`part`,
    `warnings`: "statement_55443322.pdf")."""
    if not result:
        return result
    findings = result.get("findings", [])
    values = [f[name] for f in findings for name in ("value", "normalized")]
    return {**result, "warnings": [mask_numbers(w, values) for w in result.get("warnings", [])],
            "findings": [{**finding, "value": mask(finding["value"]),
                          "normalized": mask(finding["normalized"]),
                          "snippet": mask_numbers(finding.get("snippet", ""), values),
                          "part": finding.get("part") and mask_numbers(finding["part"], values)}
                         for finding in findings]}


class Accepted(BaseModel):
    id: str
    status_url: str
    duplicate: bool = Field(False, description="The file was stored before; nothing was queued")


class MessageAccepted(Accepted):
    name: str = Field(description="MBOX#N: the N-th message of the mbox, counted from 1")


class MessageProblem(BaseModel):
    name: str = Field(description="MBOX#N")
    code: str
    message: str
    id: str | None = Field(None, description="The document made of the message all the same "
                           "(a message cut short is read as far as it goes)")


class MailboxAccepted(BaseModel):
    """An uploaded mbox: a document for each of its messages."""

    mailbox: str = Field(description="The mbox's file name")
    documents: list[MessageAccepted]
    problems: list[MessageProblem] = Field(description="Messages refused or damaged")


class LinkOut(_Numbered):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(validation_alias=PUBLIC_ID)
    account_id: str | None
    kind: str
    method: Literal["exact", "confusable", "new", "successor", "holder", "none"]
    confidence: float
    status: Literal["linked", "review", "rejected"]
    reason: str | None = Field(None, description="Why the link awaits review")
    decision: Literal["confirm", "reject"] | None


class DocumentSummary(BaseModel):
    id: str
    status: Status
    filename: str
    sha256: str
    size: int
    issuer: str | None
    issuer_confidence: float | None = Field(description="How sure the issuer is, 0 to 1")
    kind: str | None
    document_date: dt.date | None
    document_date_confidence: float | None = Field(
        description="How sure the document date is, 0 to 1")
    error: ErrorInfo | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, document: Document, **extra: Any) -> Self:
        result = document.result or {}
        issuer = result.get("issuer") or {}
        error = (ErrorInfo(code=document.error_code, message=document.error_message or "")
                 if document.error_code else None)
        return cls(id=document.id, status=document.status, filename=document.filename,
                   sha256=document.sha256, size=document.size, issuer=issuer.get("name"),
                   issuer_confidence=issuer.get("confidence"), kind=document.kind,
                   document_date=document.document_date,
                   document_date_confidence=result.get("document_date_confidence"), error=error,
                   created_at=document.created_at, updated_at=document.updated_at, **extra)


class DocumentOut(DocumentSummary):
    result: DocumentResult | None
    links: list[LinkOut]

    @classmethod
    def of(cls, document: Document, reveal: bool = False, **extra: Any) -> Self:
        return super().of(
            document, result=document.result if reveal else _masked_result(document.result),
            links=[LinkOut.model_validate(link).shown(reveal) for link in document.links])


class AccountIn(BaseModel):
    issuer: str = Field(min_length=1, max_length=NAME_LENGTH)
    number: str = Field(min_length=1, description="At most CUSTID_MAX_NUMBER_LENGTH characters")
    kind: Kind = "customer_number"
    holder: str | None = Field(None, max_length=NAME_LENGTH)

    @field_validator("number")
    @classmethod
    def _a_number(cls, number: str) -> str:
        """Refused: a number of only spaces and separators (it would match other such junk),
        or one longer than the limit."""
        limit = get_settings().max_number_length
        if len(number) > limit:
            raise ValueError(f"a number has at most {limit} characters")
        if not normalize(number):
            raise ValueError("a number needs a letter or a digit")
        return number


class NumberOut(_Numbered):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    first_seen_date: dt.date | None
    last_seen_date: dt.date | None


class AccountOut(BaseModel):
    id: str
    issuer: str
    holder: str | None
    number: NumberOut | None = Field(description="The current number: newest document date")
    predecessor_id: str | None
    source: Literal["imported", "auto", "review"]
    created_at: dt.datetime

    @classmethod
    def of(cls, account: Account, reveal: bool = False, **extra: Any) -> Self:
        numbers = numbers_newest_first(account)
        return cls(id=account.id, issuer=account.issuer, holder=account.holder,
                   number=NumberOut.model_validate(numbers[0]).shown(reveal) if numbers else None,
                   predecessor_id=account.predecessor_id, source=account.source,
                   created_at=account.created_at, **extra)


class AccountDocument(BaseModel):
    document_id: str
    filename: str
    document_date: dt.date | None
    link: LinkOut


class AccountDetail(AccountOut):
    numbers: list[NumberOut] = Field(description="Every number, newest first")
    successor_ids: list[str]
    documents: list[AccountDocument]

    @classmethod
    def of_history(cls, account: Account, successor_ids: list[str],
                   links: list[DocumentLink], reveal: bool = False) -> Self:
        return cls.of(
            account, reveal, successor_ids=successor_ids,
            numbers=[NumberOut.model_validate(n).shown(reveal)
                     for n in numbers_newest_first(account)],
            documents=[AccountDocument(document_id=link.document_id,
                                       filename=link.document.filename,
                                       document_date=link.document.document_date,
                                       link=LinkOut.model_validate(link).shown(reveal))
                       for link in links])


class ReviewItem(LinkOut):
    document_id: str
    filename: str
    issuer: str | None

    @classmethod
    def of(cls, link: DocumentLink) -> ReviewItem:
        issuer = (link.document.result or {}).get("issuer") or {}
        return cls.model_validate({**LinkOut.model_validate(link).shown().model_dump(),
                                   "document_id": link.document_id,
                                   "filename": link.document.filename,
                                   "issuer": issuer.get("name")})


class Decision(BaseModel):
    decision: Literal["confirm", "reject"]
    account_id: str | None = Field(None, description="Confirm the number to this account")


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)


class KeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    workspace_id: str
    role: Literal["admin", "member", "reader"]
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class KeyIn(BaseModel):
    role: Literal["admin", "member", "reader"]


class KeyCreated(KeyOut):
    key: str = Field(description="The key: shown this once, only its hash is kept")

    @classmethod
    def of(cls, row: ApiKey, key: str) -> KeyCreated:
        return cls.model_validate({**KeyOut.model_validate(row).model_dump(), "key": key})


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(validation_alias=PUBLIC_ID)
    at: dt.datetime
    key_id: str = Field(description='Who: the API key, or "cli"')
    action: str
    object_type: str
    object_id: str | None
    client: str | None = Field(description="The client's address")


class LookupNumber(_Numbered):
    """A number as its newest document shows it (`GET /v1/lookup`)."""

    kind: str
    current: bool = Field(description="The newest number of its kind at this issuer")
    document_id: str
    filename: str
    finding: int = Field(description="Its place in the document's findings (evidence URL)")
    page: int
    label: str
    document_date: dt.date | None
    first_seen: dt.date | None = Field(description="Oldest document date with this number")
    confidence: float
    documents_agreeing: int = Field(description="Documents that show this number")
    evidence_url: str


class LookupIssuer(BaseModel):
    issuer: str | None
    numbers: list[LookupNumber] = Field(description="Newest first; several of a kind: history")
