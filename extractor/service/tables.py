"""Database tables (SQLAlchemy 2). Every row carries the workspace it belongs to."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

DEFAULT_WORKSPACE = "default"
PUBLIC_ID_LIMIT = 2**53  # public ids are below it


def new_id() -> str:
    return uuid.uuid4().hex


def new_public_id() -> int:
    """A random id the API shows instead of a row's counter (which would tell one workspace how
    much another does): below 2**53, exact in JavaScript."""
    return secrets.randbelow(PUBLIC_ID_LIMIT - 1) + 1


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)  # naive UTC: the same on every backend


class Base(DeclarativeBase):
    pass


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    mode: Mapped[str] = mapped_column(String(8), default="auto")  # auto | known
    created_at: Mapped[dt.datetime] = mapped_column(default=now)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("workspace_id", "sha256"),
        Index("ix_documents_stuck", "status", "updated_at"),
        Index("ix_documents_list", "workspace_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default="queued")
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_message: Mapped[str | None]
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    packs_version: Mapped[str | None] = mapped_column(String(64))
    issuer_key: Mapped[str | None] = mapped_column(String(255), index=True)
    kind: Mapped[str | None] = mapped_column(String(40))
    document_date: Mapped[dt.date | None]
    webhook_url: Mapped[str | None] = mapped_column(String(2048))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now)

    links: Mapped[list[DocumentLink]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True,
        order_by="DocumentLink.id")


class Account(Base):
    """One customer at one issuer; a changed number with the same holder starts a successor."""

    __tablename__ = "accounts"
    __table_args__ = (Index("ix_accounts_holder", "workspace_id", "issuer_key", "holder_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    issuer: Mapped[str] = mapped_column(String(255))
    issuer_key: Mapped[str] = mapped_column(String(255))
    holder: Mapped[str | None] = mapped_column(String(255))
    holder_key: Mapped[str | None] = mapped_column(String(255))
    predecessor_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id",
                                                                  ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(8))  # imported | auto | review
    created_at: Mapped[dt.datetime] = mapped_column(default=now)

    numbers: Mapped[list[AccountNumber]] = relationship(
        back_populates="account", cascade="all, delete-orphan", passive_deletes=True,
        order_by="AccountNumber.id")


class AccountNumber(Base):
    """A number an account was seen with, and the document dates it was seen between."""

    __tablename__ = "account_numbers"
    __table_args__ = (
        UniqueConstraint("account_id", "normalized"),
        Index("ix_account_numbers_lookup", "workspace_id", "normalized"),
        Index("ix_account_numbers_confusable", "workspace_id", "confusable"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    normalized: Mapped[str] = mapped_column(String(64))
    confusable: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(40))
    first_seen_date: Mapped[dt.date | None]
    last_seen_date: Mapped[dt.date | None]

    account: Mapped[Account] = relationship(back_populates="numbers")


class DocumentLink(Base):
    """A number found on a document and the account it went to; `status` review awaits a person."""

    __tablename__ = "document_links"
    __table_args__ = (Index("ix_document_links_review", "workspace_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    public_id: Mapped[int] = mapped_column(BigInteger, unique=True, default=new_public_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             index=True)
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True)
    normalized: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(12))  # exact | confusable | new | successor | none
    confidence: Mapped[float]
    status: Mapped[str] = mapped_column(String(8))  # linked | review | rejected
    reason: Mapped[str | None] = mapped_column(String(20))
    decision: Mapped[str | None] = mapped_column(String(8))  # confirm | reject

    document: Mapped[Document] = relationship(back_populates="links")


class ApiKey(Base):
    """A workspace's API key: the public `id` is part of the key; of the secret only its sha256."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # admin | member | reader
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    revoked_at: Mapped[dt.datetime | None]


class AuditEvent(Base):
    """Who (key id, or "cli") did what to which object, when, from where."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_list", "workspace_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    public_id: Mapped[int] = mapped_column(BigInteger, unique=True, default=new_public_id)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id"))
    key_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(20))  # reveal | erase | key_create | key_revoke
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    client: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(default=now)
