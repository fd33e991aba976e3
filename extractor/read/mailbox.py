"""Mailboxes as sources of emails: mbox files and Maildir folders, one message at a time.

An mbox is split here, in one streaming pass, not with the standard library's `mailbox.mbox`:
that one scans the whole file for a table of contents first (a second pass over a 5 GB export),
opens it for writing where it may, and a message too large to read would still be read whole.
Here only the message at hand is held, and one past the size limit is skipped up to the next
"From " line. Messages are split as the standard library splits them (at every line starting
with "From "), and ">From " lines are unquoted one level (mboxrd; mboxo writers quote "From "
that way too). Each message is named `MAILBOX#N` (N counted from 1 in the file's order; a
Maildir's messages in the order of their unique names, which start with the delivery time).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path

import regex

from extractor.errors import InputError, TooLarge

PIECE = 1 << 16  # an mbox is read in lines of at most this many bytes
QUOTED_FROM = regex.compile(rb"^>(>*From )", regex.MULTILINE)
HEADER_END = regex.compile(rb"\r?\n\r?\n")
MAILDIR_FOLDERS = ("new", "cur")


@dataclass(frozen=True, slots=True)
class MailMessage:
    """One message of a mailbox: its bytes (an .eml), or why it cannot be read."""

    name: str
    data: bytes = b""
    problem: InputError | None = None


@dataclass(frozen=True, slots=True)
class MessageInfo:
    """What names a message to a person: its date, subject and Message-ID."""

    date: str
    subject: str
    message_id: str


def is_maildir(folder: Path) -> bool:
    return all((folder / name).is_dir() for name in MAILDIR_FOLDERS)


def messages(path: Path, kind: str, limit: int) -> Iterator[MailMessage]:
    """The messages of the mailbox at `path` ("mbox" or "maildir"), each of at most `limit`
    bytes (a larger one comes with a TooLarge problem instead)."""
    return mbox_messages(path, limit) if kind == "mbox" else maildir_messages(path, limit)


def mbox_messages(path: Path, limit: int) -> Iterator[MailMessage]:
    with path.open("rb") as handle:
        lines: list[bytes] = []
        size = number = 0
        line_start = True  # a piece of a long line is not a line of its own
        while piece := handle.readline(PIECE):
            if line_start and piece.startswith(b"From "):
                if number:
                    yield _mbox_message(f"{path}#{number}", lines, size, limit)
                number, lines, size = number + 1, [], 0
            elif number:
                size += len(piece)
                if size <= limit:
                    lines.append(piece)
            line_start = piece.endswith(b"\n")
        if number:
            yield _mbox_message(f"{path}#{number}", lines, size, limit)


def _mbox_message(name: str, lines: list[bytes], size: int, limit: int) -> MailMessage:
    if size > limit:
        return MailMessage(name, problem=_too_large(size, limit))
    data = b"".join(lines)
    for separator in (b"\r\n", b"\n"):  # the blank line before the next "From " line
        if data.endswith(separator * 2):
            data = data[:-len(separator)]
            break
    if b">From " in data:
        data = QUOTED_FROM.sub(rb"\1", data)
    return MailMessage(name, data)


def _too_large(size: int, limit: int) -> TooLarge:
    return TooLarge(f"the message has {size} bytes; the limit is {limit}")


def maildir_messages(folder: Path, limit: int) -> Iterator[MailMessage]:
    files = [entry for name in MAILDIR_FOLDERS for entry in _listing(folder / name)]
    files.sort(key=lambda entry: entry.name.split(":", 1)[0])
    for number, entry in enumerate(files, 1):
        name = f"{folder}#{number}"
        try:
            size = entry.stat().st_size
            if size > limit:
                yield MailMessage(name, problem=_too_large(size, limit))
                continue
            yield MailMessage(name, Path(entry.path).read_bytes())
        except OSError as exc:  # taken away meanwhile (moved from new/ to cur/, say)
            yield MailMessage(name, problem=InputError(exc.strerror or str(exc)))


def _listing(folder: Path) -> list[os.DirEntry]:
    with os.scandir(folder) as listing:
        return [entry for entry in listing if entry.is_file() and not entry.name.startswith(".")]


def count(path: Path, kind: str) -> int:
    """How many messages the mailbox holds (for a progress bar), read quickly."""
    if kind == "maildir":
        return sum(len(_listing(path / name)) for name in MAILDIR_FOLDERS)
    found, tail = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            found += (tail + chunk).count(b"\nFrom ")
            tail = chunk[-5:]  # too short to hold a whole "\nFrom " counted already
    return found


def info(data: bytes) -> MessageInfo:
    header = HEADER_END.split(data, maxsplit=1)[0]
    message = BytesHeaderParser(policy=policy.default).parsebytes(header)

    def value(name: str) -> str:
        try:
            return " ".join(str(message.get(name, "")).split())
        except (ValueError, IndexError, TypeError, AttributeError):  # the parser's failures
            return ""

    date = value("Date")
    with suppress(TypeError, ValueError, IndexError):  # else shown as written
        date = parsedate_to_datetime(date).date().isoformat()
    return MessageInfo(date, value("Subject"), value("Message-ID"))
