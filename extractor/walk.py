"""Walk a folder for documents, safely: symlinks that leave it are not followed, special files
(FIFOs, sockets, devices) are skipped, unreadable entries are reported, and a document is told
by its first bytes (`sniff`), never by its name. Mailboxes found on the way (an mbox file, a
Maildir folder) are entries of their own, which `documents` opens into their messages."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from extractor.errors import InputError
from extractor.read.mailbox import MAILDIR_FOLDERS, MailMessage, is_maildir, messages
from extractor.read.sniff import is_mbox, sniff

HEAD_BYTES = 1024  # what `sniff` looks at


@dataclass(frozen=True, slots=True)
class Entry:
    """A file found: a document to read (`problem` None), or why it is not one.

    `status` of a problem is "skipped" (not a document, or not to be followed) or "unreadable".
    `mailbox` is "mbox" or "maildir" for a mailbox, whose messages are the documents.
    """

    path: Path
    status: str = ""
    problem: str | None = None
    mailbox: str | None = None


def inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def entries(top: Path, exclude: Path | None = None, sniffed: bool = True) -> Iterator[Entry]:
    """Every file under `top` (a folder or one file), in a stable order, depth first; each
    `check`ed unless not `sniffed` (then only what the folders tell).

    Symlinks are followed only where they stay inside `top` (and each real folder is walked
    once); `exclude` (say, where processed files are moved to) is not walked.
    """
    root = top.resolve()
    if not root.is_dir():
        yield check(top, root) if sniffed else Entry(top)
        return
    if is_maildir(top):
        yield Entry(top, mailbox="maildir")
    seen: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            info = folder.stat()
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as listing:
                children = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            yield Entry(folder, "unreadable", exc.strerror or str(exc))
            continue
        folders: list[Path] = []
        maildir = is_maildir(folder)  # its own files are its bookkeeping (dovecot-uidlist)
        for child in children:
            path = Path(child.path)
            real = path.resolve()
            if exclude is not None and inside(real, exclude.resolve()):
                continue
            if child.is_symlink() and not inside(real, root):
                yield Entry(path, "skipped", "symlink leads out of the folder")
            elif child.is_dir() and is_maildir(path):
                yield Entry(path, mailbox="maildir")
                folders.append(path)  # for the folders of Maildir++ in it (.Sent, .Archive)
            elif child.is_dir():
                if not (maildir and child.name in (*MAILDIR_FOLDERS, "tmp")):
                    folders.append(path)
            elif maildir:
                continue
            else:
                yield check(path, root) if sniffed else Entry(path)
        stack += reversed(folders)


def check(path: Path, root: Path) -> Entry:
    """A file as an entry: a regular, readable file whose first bytes name a supported type."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return Entry(path, "skipped", "not a regular file (FIFO, socket or device)")
        if not inside(path.resolve(), root):
            return Entry(path, "skipped", "symlink leads out of the folder")
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # swapped since the stat
                return Entry(path, "skipped", "not a regular file (FIFO, socket or device)")
            head = handle.read(HEAD_BYTES)
        if is_mbox(head):
            return Entry(path, mailbox="mbox")
        sniff(head)
    except InputError as exc:
        return Entry(path, "skipped", exc.message)
    except OSError as exc:
        return Entry(path, "unreadable", exc.strerror or str(exc))
    return Entry(path)


def documents(top: Path, limit: int, exclude: Path | None = None) -> Iterator[Entry | MailMessage]:
    """The entries under `top`, each mailbox opened into its messages (of at most `limit`
    bytes)."""
    for entry in entries(top, exclude):
        if entry.mailbox is None:
            yield entry
            continue
        try:
            yield from messages(entry.path, entry.mailbox, limit)
        except OSError as exc:
            yield Entry(entry.path, "unreadable", exc.strerror or str(exc))
