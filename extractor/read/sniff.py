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
# An mbox begins with a "From " line (sender, then the date: it ends in a digit, the year or
# the zone), then a header line.
_MBOX = regex.compile(rb"\AFrom \S+ +[^\r\n]*\d[ \t]*\r?\n[\x21-\x39\x3b-\x7e]+:")


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
    if is_mbox(head):
        raise UnsupportedType("an mbox mailbox (many emails): custid recover and custid ingest "
                              "read each of its messages")
    raise UnsupportedType("not a PDF, PNG, JPEG, TIFF, WebP image or .eml email")


def is_mbox(head: bytes) -> bool:
    """Do these first bytes of a file start an mbox (messages after "From " lines)?"""
    return bool(_MBOX.match(head))


def _looks_like_email(head: bytes) -> bool:
    lines = head.lstrip().splitlines()[:5]
    return bool(lines) and all(
        _EMAIL_HEADER.match(line) or line[:1] in (b" ", b"\t") for line in lines[:2]
    )
