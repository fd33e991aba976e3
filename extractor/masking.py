"""Customer numbers are secrets: masked to their last four characters wherever they are shown.
Log records of custid (and of Celery, uvicorn, Alembic) have what is shaped like a customer
number masked as they are made; addresses, ports, durations, sizes, dates, times, counts and PIDs
stay readable."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

import regex

from extractor.match.values import normalize

DOT = "\u2022"
HEX_ID = r"\b[0-9a-f]{32,64}\b"  # hashes and ids (a document's), not numbers
# hex ids and hashes are left alone; other runs of 6+ digits (separators between) are masked
LONG_DIGITS = regex.compile(
    rf"(?P<id>{HEX_ID})|(?<!\d)(?=(?:\d[\s\-./]?){{6}})\d(?:[\s\-./]?\d)+")
# number-shaped: a run of 6+ digits (spaces, dashes, dots, slashes between), or a token of
# letters and digits (joined by dashes, slashes, or dots before a digit, so that a file's
# extension stays apart) with a digit and 4 characters or more
SHAPED = regex.compile(r"(?<!\d)(?=(?:\d[\s\-./]?){6})\d(?:[\s\-./]?\d)+"
                       r"|(?<![^\W_])[^\W_]+(?:(?:[-/]|\.(?=[^\W_]*\d))[^\W_]+)*")
LOGGERS = ("extractor", "workers", "celery", "kombu", "uvicorn", "alembic", "custid")

_OCTET = r"(?:25[0-5]|2[0-4]\d|1?\d?\d)"
_PORT = r"(?::\d{1,5})?"
_TIME = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
_UNIT = (r"ns|[µu]s|ms|s|secs?|seconds?|min|mins|minutes?|h|hours?|days?"
         r"|[kKMGTP]i?B|B|bytes?|%")
# What custid, Celery and uvicorn count in their log lines (a number before one is a count).
_COUNTED = (r"documents|files|pages|uploads|findings|numbers|accounts|links|keys|rows|records"
            r"|items|entries|lines|tasks|messages|workers|processes|threads|children"
            r"|connections|requests|retries|attempts|times|errors|warnings|events")
READABLE = (  # kept as they are, whatever digits they hold
    HEX_ID,
    r"\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b",  # a UUID: a Celery task's id
    r"\b0x[0-9a-f]+\b",  # an address in a repr
    r"\b[a-z][a-z0-9+.-]*://[^\s/?#]*",  # a URL's scheme, host and port (not its path or query)
    rf"(?<![\d.]){_OCTET}(?:\.{_OCTET}){{3}}{_PORT}(?!\.?\d)",  # IPv4, and a port
    rf"(?<![\w:])\[?(?:[0-9a-f]{{0,4}}:){{2,7}}[0-9a-f]{{0,4}}\]?{_PORT}",  # IPv6
    rf"\blocalhost{_PORT}\b|\b[\w-]+(?:\.[\w-]+)+:\d{{1,5}}\b",  # host:port
    r"(?i:\b(?:pid|port)[ =:]?\s?\d+\b)|\[\d{1,7}\]",  # PIDs and ports named so
    rf"\b(?:19|20)\d\d-[01]\d-[0-3]\d(?:[T ]{_TIME}(?:Z|[+-]\d\d:?\d\d)?)?\b",  # ISO dates
    r"\b[0-3]?\d[./-][0-3]?\d[./-](?:19|20)\d\d\b",  # 31.12.2024, 12/31/2024
    rf"\b{_TIME}\b",
    rf"(?<![\w.])\d+(?:[.,]\d+)?\s?(?:{_UNIT})(?!\w)",  # durations, sizes, percentages
    rf"(?<![\w.])\d+ (?:[a-z]+ )?(?:{_COUNTED})\b",  # "12000 documents", "3 stuck documents"
)
# A run of digits and capital letters, as custid's value shapes have them, with separators;
# only those with a digit, or a separator (AC-5512-ZZ), are tried.
NUMBER_SHAPED = (r"(?<![A-Z0-9])#?(?=[A-Z]*\d|[A-Z0-9]+[-./_])"
                 r"[A-Z0-9]+(?:(?:[-./_]|(?<=\d) (?=\d))[A-Z0-9]+)*")
LOG_NUMBERS = re.compile(rf"(?P<keep>{'|'.join(READABLE)})|(?P<number>{NUMBER_SHAPED})")


def mask(value: str | None) -> str | None:
    """`••••7751`: the last 4 characters of the normalized value (all dots when shorter)."""
    if value is None:
        return None
    normalized = normalize(value)
    return DOT * 4 + (normalized[-4:] if len(normalized) > 4 else "")


def mask_text(text: str) -> str:
    """Every run of six or more digits (spaces, dashes, dots, slashes between) masked."""
    return LONG_DIGITS.sub(lambda m: m.group() if m.group("id") else mask(m.group()) or "", text)


def _masked_number(match: re.Match[str]) -> str:
    """A number of 5 digits or more, or of 4 with letters ("AC-5512-ZZ"), masked; shorter ones
    (a status code, a year, a revision id) are not worth hiding."""
    token = match.group()
    digits = sum(c.isdigit() for c in token)
    if match.group("keep") is None and digits >= (4 if any(c.isalpha() for c in token) else 5):
        return mask(token) or ""
    return token


def mask_log_text(text: str) -> str:
    """What is shaped like a customer number masked, all else of a log line as it was."""
    return LOG_NUMBERS.sub(_masked_number, text)


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
    record.msg, record.args = mask_log_text(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_log_text(record.exc_text)
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
