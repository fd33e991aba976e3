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

from extractor.errors import TooLarge


class Staged:
    """An upload being written to a temporary file, hashed as it arrives, within a size limit."""

    def __init__(self, path: Path, limit: int) -> None:
        self.path = path
        self.limit = limit
        self.size = 0
        self._hash = hashlib.sha256()
        self._file = path.open("wb")

    def write(self, chunk: bytes | memoryview) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise TooLarge(f"the upload is larger than the limit of {self.limit} bytes")
        self._hash.update(chunk)
        self._file.write(chunk)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    @property
    def closed(self) -> bool:
        """Written to disk and closed."""
        return self._file.closed

    def close(self) -> None:
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()

    def discard(self) -> None:
        with suppress(OSError):  # a full disk fails the flush of close; the unlink still works
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
