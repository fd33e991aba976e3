"""The result of a document: what `custid extract --json` prints, and the kinds it names."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Kind = Literal["customer_number", "account_number"]
TextSource = Literal["text", "ocr", "mixed", "email"]
DocumentKind = Literal["invoice", "bill", "statement", "receipt", "welcome_email", "other"]


class Issuer(BaseModel):
    name: str
    confidence: float
    domain: str | None = None  # its web or mail domain as printed (or the sender's)


class Finding(BaseModel):
    kind: Kind
    value: str
    normalized: str
    label: str
    page: int
    bbox: list[float] = Field(min_length=4, max_length=4)
    confidence: float
    pattern: str
    snippet: str
    part: str | None = None


class ErrorInfo(BaseModel):
    code: str
    message: str


class DocumentResult(BaseModel):
    """One document's result: exactly the object `custid extract --json` prints per file."""

    file: str
    sha256: str
    pages: int = 0
    text_source: TextSource | None = None
    issuer: Issuer | None = None
    document_kind: DocumentKind | None = None
    holder: str | None = None
    document_date: str | None = None
    document_date_confidence: float | None = None  # labelled 0.9, a period's end 0.7, else 0.5
    findings: list[Finding] = Field(default_factory=list)
    error: ErrorInfo | None = None
    warnings: list[str] = Field(default_factory=list)  # parts that could not be read
