"""Typed errors: each carries the stable code reported in results and a process exit status."""

from __future__ import annotations


class CustidError(Exception):
    """Base of every error custid reports to a user; `code` is part of the JSON contract."""

    code = "error"
    exit_status = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(CustidError):
    """The document itself cannot be read; other documents are unaffected."""

    exit_status = 2


class EmptyInput(InputError):
    code = "empty"


class UnsupportedType(InputError):
    code = "unsupported_type"


class EncryptedDocument(InputError):
    code = "encrypted"


class MalformedDocument(InputError):
    code = "malformed"


class TooLarge(InputError):
    code = "too_large"


class NeedsOcr(InputError):
    """Pages without a text layer while OCR is off."""

    code = "needs_ocr"


class PatternError(CustidError):
    """A pattern pack is invalid; the message names the file and line."""

    code = "bad_pattern"
    exit_status = 3


class DependencyMissing(CustidError):
    """A system tool (Tesseract, a language pack) is not installed."""

    code = "dependency_missing"
    exit_status = 4
