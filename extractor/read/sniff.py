"""Tell a document's type from its bytes, never from its name."""

from __future__ import annotations

from typing import Literal

import regex

from extractor.errors import EmptyInput, UnsupportedType

DocType = Literal["pdf", "png", "jpeg", "tiff", "webp", "eml"]
_EMAIL_HEADER = regex.compile(
    rb"^(?:received|return-path|from|to|subject|date|message-id|mime-version|delivered-to"
    rb"|x-[\w-]+|content-[\w-]+|reply-to|dkim-signature|arc-[\w-]+|cc|sender|in-reply-to"
    rb"|references|authentication-results|received-spf|thread-[\w-]+|list-[\w-]+):",
    regex.IGNORECASE,
)


def sniff(data: bytes) -> DocType:
    """The document type of `data`; raise EmptyInput or UnsupportedType."""
    if not data.strip():
        raise EmptyInput("the file is empty")
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if _looks_like_email(head):
        return "eml"
    raise UnsupportedType("not a PDF, PNG, JPEG, TIFF, WebP image or .eml email")


def _looks_like_email(head: bytes) -> bool:
    lines = head.lstrip().splitlines()[:5]
    return bool(lines) and all(
        _EMAIL_HEADER.match(line) or line[:1] in (b" ", b"\t") for line in lines[:2]
    )
