"""IMAP sources of `custid recover` and `custid ingest`: the password (CUSTID_IMAP_PASSWORD or a
prompt, never an argument) and errors that end one account's reading, not the run."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Iterator
from functools import cache

from extractor.read import imap
from extractor.read.mailbox import MailMessage
from extractor.settings import Settings


@cache  # asked once per account and run (`ingest --watch` looks again and again)
def password(account: imap.ImapAccount) -> str:
    return os.environ.get("CUSTID_IMAP_PASSWORD") or getpass.getpass(
        f"IMAP password for {account.user}@{account.host}: ")


def imap_source(url: str, folders: list[str], since: dt.date | None, settings: Settings,
                errors: list[str], marks: imap.Marks | None = None) -> Iterator[MailMessage]:
    """The account's messages; an error that stops the reading is added to `errors`."""
    try:
        account = imap.ImapAccount.parse(url, folders)
        yield from imap.messages(account, password(account), settings.max_file_bytes,
                                 since=since, marks=marks, ca_file=settings.imap_ca_file)
    except imap.ImapError as exc:
        errors.append(f"{url}: {exc.message}")
