"""Originals, content-addressed under the data dir: written atomically, never modified.

Workspaces share the file of identical uploads (never its document): an original is removed only
once no document references it, checked under the file's lock, which uploads take too. Upload
names never become paths.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from extractor.errors import TooLarge


class Staged:
    """An upload being written to a temporary file, within a size limit, and hashed.

    `write` only takes a chunk (not copied); `drain` hashes and writes what was taken, the slow
    part (both release the GIL: the API drains in a thread, off its event loop)."""

    def __init__(self, path: Path, limit: int) -> None:
        self.path = path
        self.limit = limit
        self.size = 0
        self.held = 0  # bytes taken and not yet written
        self._chunks: list[bytes | memoryview] = []
        self._hash = hashlib.sha256()
        self._file: BinaryIO | None = None  # created by the first drain

    def write(self, chunk: bytes | memoryview) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise TooLarge(f"the upload is larger than the limit of {self.limit} bytes")
        self._chunks.append(chunk)
        self.held += len(chunk)

    def drain(self) -> None:
        """Hash and write the chunks taken (creating the file first: the inode allocation, too,
        is slow on a filesystem that saw many files deleted lately)."""
        if self._file is None:
            self._file = self.path.open("wb")
        for chunk in self._chunks:
            self._hash.update(chunk)
            self._file.write(chunk)
        self._chunks.clear()
        self.held = 0

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    @property
    def synced(self) -> bool:
        """Written, synced to disk and closed (by `close`)."""
        return self._file is not None and self._file.closed

    def close(self) -> None:
        """Drain, then make the file durable (fsync) and close it; again, nothing."""
        if not self.synced:
            self.drain()
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()

    def discard(self) -> None:
        if self._file is not None:
            with suppress(OSError):  # a full disk fails the flush of close; the unlink works
                self._file.close()
        self.path.unlink(missing_ok=True)


class Store:
    def __init__(self, root: Path) -> None:
        self.originals = root / "originals"
        self.staging = root / "staging"
        self.locks = root / "locks"
        for folder in (self.staging, self.originals, self.locks):
            folder.mkdir(parents=True, exist_ok=True)

    def stage(self, limit: int) -> Staged:
        return Staged(self.staging / uuid.uuid4().hex, limit)

    def path(self, sha256: str) -> Path:
        return self.originals / sha256[:2] / sha256

    @contextmanager
    def lock(self, sha256: str) -> Iterator[None]:
        """Exclusive, across processes, for the originals sharing `sha256`'s first byte."""
        with (self.locks / sha256[:2]).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def keep(self, staged: Staged) -> bool:
        """Move a staged upload to its content address (atomic rename; an existing copy stays):
        whether this placed it."""
        staged.close()
        target = self.path(staged.sha256)
        if target.exists():
            staged.discard()
            return False
        target.parent.mkdir(exist_ok=True)
        staged.path.chmod(0o444)
        os.replace(staged.path, target)
        return True

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)
