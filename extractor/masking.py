"""Customer numbers are secrets: masked to their last four characters wherever they are shown;
log records of custid (and of Celery, uvicorn) have long digit runs masked as they are made."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import regex

from extractor.match.values import normalize

DOT = "\u2022"
# hex ids and hashes are left alone; other runs of 6+ digits (separators between) are masked
LONG_DIGITS = regex.compile(
    r"(?P<id>\b[0-9a-f]{32,64}\b)|(?<!\d)(?=(?:\d[\s\-./]?){6})\d(?:[\s\-./]?\d)+")
# number-shaped: a run of 6+ digits (spaces, dashes, dots, slashes between), or a token of
# letters and digits (joined by dashes, slashes, or dots before a digit, so that a file's
# extension stays apart) with a digit and 4 characters or more
SHAPED = regex.compile(r"(?<!\d)(?=(?:\d[\s\-./]?){6})\d(?:[\s\-./]?\d)+"
                       r"|(?<![^\W_])[^\W_]+(?:(?:[-/]|\.(?=[^\W_]*\d))[^\W_]+)*")
LOGGERS = ("extractor", "workers", "celery", "kombu", "uvicorn", "alembic", "custid")


def mask(value: str | None) -> str | None:
    """`••••7751`: the last 4 characters of the normalized value (all dots when shorter)."""
    if value is None:
        return None
    normalized = normalize(value)
    return DOT * 4 + (normalized[-4:] if len(normalized) > 4 else "")


def mask_text(text: str) -> str:
    """Every run of six or more digits (spaces, dashes, dots, slashes between) masked."""
    return LONG_DIGITS.sub(lambda m: m.group() if m.group("id") else mask(m.group()) or "", text)


def mask_numbers(text: str, values: Iterable[str] = ()) -> str:
    """Every one of `values` and every number-shaped token in `text` masked, in one pass (what
    is masked is not looked at again)."""
    known = "|".join(map(regex.escape, sorted(set(filter(None, values)), key=len, reverse=True)))
    pattern = regex.compile(rf"(?P<known>{known})|{SHAPED.pattern}") if known else SHAPED

    def shown(match: regex.Match) -> str:
        found = match.group()
        shaped = any(c.isdigit() for c in found) and len(normalize(found)) >= 4
        return mask(found) or "" if shaped or (known and match.group("known")) else found
    return pattern.sub(shown, text)


def _masked(record: logging.LogRecord) -> logging.LogRecord:
    if not record.name.startswith(LOGGERS):
        return record
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        return record
    record.msg, record.args = mask_text(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    return record


def install_log_masking(*_args: Any, **_kwargs: Any) -> None:
    """Mask every record of custid's, Celery's, uvicorn's and Alembic's loggers as it is made,
    whatever handler later prints it (idempotent; a signal handler signature)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "masks_numbers", False):
        return

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _masked(factory(*args, **kwargs))

    make.masks_numbers = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make)
