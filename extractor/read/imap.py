"""IMAP accounts as sources of emails, through the standard library's `imaplib`, read-only.

Folders are opened with EXAMINE and messages fetched with BODY.PEEK[]: no flag changes. TLS is
verified (imaps://, or imap:// with STARTTLS; plain imap only towards loopback). A connection
dropped while fetching is opened again and the fetch goes on after the last message handed on,
so none is read twice. `Marks` (UIDVALIDITY and the last UID per folder) let a later run fetch
only new mail. Messages are named `imaps://USER@HOST:PORT/FOLDER#UID`.
"""

from __future__ import annotations

import datetime as dt
import imaplib
import ipaddress
import re
import socket
import ssl
from collections.abc import Generator, Iterator
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from extractor.errors import CustidError, TooLarge
from extractor.read.mailbox import MailMessage

SCHEMES = {"imaps": 993, "imap": 143}
RETRIES = 3  # connections opened again after a drop, per folder
SIZE_BATCH = 50  # messages asked for their size at once
SIZE = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")
Marks = dict[str, tuple[int, int]]  # folder key: (UIDVALIDITY, last UID read)


class ImapError(CustidError):
    """The account cannot be read: why, in words."""

    code = "imap"
    exit_status = 2


def is_imap(source: str) -> bool:
    return source.split("://", 1)[0] in SCHEMES and "://" in source


@dataclass(frozen=True, slots=True)
class ImapAccount:
    scheme: str
    user: str
    host: str
    port: int
    folders: tuple[str, ...]

    @classmethod
    def parse(cls, url: str, folders: list[str]) -> ImapAccount:
        """`imaps://USER@HOST[:PORT]/FOLDER`; `folders` adds folders (INBOX when none)."""
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.username or not parts.hostname:
            raise ImapError(f"not an IMAP address: {url} (imaps://USER@HOST[:PORT]/FOLDER)")
        named = [unquote(parts.path.strip("/"))] if parts.path.strip("/") else []
        return cls(parts.scheme, unquote(parts.username), parts.hostname,
                   parts.port or SCHEMES[parts.scheme], tuple(named + folders) or ("INBOX",))

    def key(self, folder: str) -> str:
        return f"{self.scheme}://{self.user}@{self.host}:{self.port}/{folder}"


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False


def connect(account: ImapAccount, password: str, ca_file: str | None,
            timeout: float = 30) -> imaplib.IMAP4:
    """A logged-in connection; ImapError says why there is none."""
    where = f"{account.host}:{account.port}"
    context = ssl.create_default_context(cafile=ca_file)
    try:
        if account.scheme == "imaps":
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(account.host, account.port,
                                                     ssl_context=context, timeout=timeout)
        else:
            client = imaplib.IMAP4(account.host, account.port, timeout=timeout)
            if "STARTTLS" in client.capabilities:
                client.starttls(context)
            elif not _loopback(account.host):
                raise ImapError(f"{where} offers no STARTTLS: the password would go in plain "
                                "text (use imaps://)")
    except ConnectionRefusedError as exc:
        raise ImapError(f"connection refused by {where}") from exc
    except ssl.SSLCertVerificationError as exc:
        raise ImapError(f"the certificate of {where} is not trusted: "
                        f"{exc.verify_message}") from exc
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"cannot connect to {where}: {exc}") from exc
    try:
        client.login(account.user, password)
    except imaplib.IMAP4.error as exc:
        client.shutdown()
        raise ImapError(f"login as {account.user} at {where} refused (wrong password?)") from exc
    return client


def _examine(client: imaplib.IMAP4, folder: str) -> int:
    """Open `folder` read-only (EXAMINE); its UIDVALIDITY."""
    status, _data = client.select(f'"{folder}"', readonly=True)
    if status != "OK":
        raise ImapError(f"no folder {folder!r}")
    return int(client.response("UIDVALIDITY")[1][0])


def _sizes(client: imaplib.IMAP4, uids: list[int]) -> dict[int, int]:
    _status, data = client.uid("FETCH", ",".join(map(str, uids)), "(RFC822.SIZE)")
    sizes = {}
    for line in data:
        found = SIZE.search(line if isinstance(line, bytes) else line[0])
        if found:
            uid, size = (found[1], found[2]) if found[1] else (found[4], found[3])
            sizes[int(uid)] = int(size)
    return sizes


def messages(account: ImapAccount, password: str, limit: int, *, since: dt.date | None = None,
             marks: Marks | None = None, ca_file: str | None = None) -> Iterator[MailMessage]:
    """Every message of the account's folders (after `marks`, which are updated as messages
    are handed on; a changed UIDVALIDITY reads the folder again), of at most `limit` bytes."""
    marks = marks if marks is not None else {}
    client = connect(account, password, ca_file)
    try:
        for folder in account.folders:
            client = yield from _folder(client, account, password, ca_file, folder, limit,
                                        since, marks)
    finally:
        with suppress(OSError, imaplib.IMAP4.error):  # gone already
            client.logout()


def _folder(client: imaplib.IMAP4, account: ImapAccount, password: str, ca_file: str | None,
            folder: str, limit: int, since: dt.date | None,
            marks: Marks) -> Generator[MailMessage, None, imaplib.IMAP4]:
    """One folder's new messages; a dropped connection is opened again (the client in use
    at the end is returned)."""
    key = account.key(folder)
    for attempt in range(RETRIES + 1):
        try:
            validity = _examine(client, folder)
            if marks.get(key, (validity, 0))[0] != validity:
                marks.pop(key)  # the folder was rebuilt: its UIDs mean other messages now
            last = marks.get(key, (validity, 0))[1]
            criteria = ["UID", f"{last + 1}:*"]
            if since:
                criteria += ["SINCE", since.strftime("%d-%b-%Y")]
            _status, found = client.uid("SEARCH", *criteria)
            uids = sorted(u for u in map(int, found[0].split()) if u > last)
            for start in range(0, len(uids), SIZE_BATCH):
                batch = uids[start:start + SIZE_BATCH]
                sizes = _sizes(client, batch)
                for uid in batch:
                    name = f"{key}#{uid}"
                    if sizes.get(uid, 0) > limit:
                        message = MailMessage(name, problem=TooLarge(
                            f"the message has {sizes[uid]} bytes; the limit is {limit}"))
                    else:
                        _status, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
                        body = next((item[1] for item in data if isinstance(item, tuple)), None)
                        if body is None:
                            continue  # expunged meanwhile
                        message = MailMessage(name, body)
                    marks[key] = (validity, uid)
                    yield message
            return client
        except (imaplib.IMAP4.abort, OSError) as exc:
            if attempt == RETRIES:
                raise ImapError(f"the connection to {account.host} dropped {RETRIES + 1} "
                                f"times while reading {folder!r}: {exc}") from exc
            client = connect(account, password, ca_file)
    return client
