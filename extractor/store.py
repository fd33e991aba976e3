"""Originals, content-addressed under the data dir: written atomically, never modified."""

from __future__ import annotations

import hashlib
import os
import uuid
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

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise TooLarge(f"the upload is larger than the limit of {self.limit} bytes")
        self._hash.update(chunk)
        self._file.write(chunk)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def close(self) -> None:
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


class Store:
    def __init__(self, root: Path) -> None:
        self.originals = root / "originals"
        self.staging = root / "staging"
        self.staging.mkdir(parents=True, exist_ok=True)
        self.originals.mkdir(parents=True, exist_ok=True)

    def stage(self, limit: int) -> Staged:
        return Staged(self.staging / uuid.uuid4().hex, limit)

    def path(self, sha256: str) -> Path:
        return self.originals / sha256[:2] / sha256

    def keep(self, staged: Staged) -> Path:
        """Move a staged upload to its content address (atomic rename; an existing copy stays)."""
        staged.close()
        target = self.path(staged.sha256)
        if target.exists():
            staged.discard()
            return target
        target.parent.mkdir(exist_ok=True)
        staged.path.chmod(0o444)
        os.replace(staged.path, target)
        return target

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)
