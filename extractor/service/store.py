"""Originals, content-addressed under the data dir: written atomically, never modified.

Workspaces share the file of identical uploads (never its document): an original is removed only
once no document references it, checked under the file's lock, which uploads take too. Upload
names never become paths.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import itertools
import mmap
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from extractor.errors import TooLarge

BLOCK = 4096  # direct I/O's alignment: of the buffer, and of each write's length and offset
BUFFER = 1 << 20  # bytes an upload is written through at a time
POOLED = 32  # buffers kept for the next uploads
READ_ONLY = 0o400  # originals: for the owner alone, who never writes them again
PRIVATE_DIR = 0o700  # the data directory and its folders: other local users see nothing


class _Buffers:
    """Page-aligned buffers for direct I/O, reused: memory the process has touched already (a
    fresh page costs a fault and zeroing)."""

    def __init__(self) -> None:
        self._free: list[mmap.mmap] = []
        self._lock = threading.Lock()

    def take(self) -> mmap.mmap:
        with self._lock:
            if self._free:
                return self._free.pop()
        return mmap.mmap(-1, BUFFER)

    def give(self, buffer: mmap.mmap) -> None:
        with self._lock:
            if len(self._free) < POOLED:
                self._free.append(buffer)
                return
        buffer.close()


_BUFFERS = _Buffers()


def _create(path: Path) -> int:
    """A new file opened for direct writes (O_DIRECT: the disk reads the buffer itself, with no
    copy into the page cache, which took a third of the API's time per upload here; an upload is
    not read again soon); buffered where the filesystem refuses direct I/O. Read-only from the
    start, as an original stays (the descriptor returned still writes)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    try:
        return os.open(path, flags | os.O_DIRECT, READ_ONLY)
    except OSError as exc:
        if exc.errno != errno.EINVAL:
            raise
    return os.open(path, flags, READ_ONLY)


class Staged:
    """An upload being written to a temporary file, within a size limit, and hashed.

    `write` only takes a chunk (not copied); `drain` hashes what was taken and writes it through
    an aligned buffer, whole blocks at a time, the slow part (both release the GIL: the API
    drains in a thread, off its event loop); `close` writes the last block and syncs."""

    def __init__(self, path: Path, limit: int) -> None:
        self.path = path
        self.limit = limit
        self.size = 0
        self.held = 0  # bytes taken and not yet written
        self._chunks: list[bytes | memoryview] = []
        self._hash = hashlib.sha256()
        self._open: tuple[int, mmap.mmap] | None = None  # the file and its buffer: `_opened`
        self._filled = 0  # bytes in the buffer, not written yet
        self.synced = False  # written, synced to disk and closed (by `close`)

    def write(self, chunk: bytes | memoryview) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise TooLarge(f"the upload is larger than the limit of {self.limit} bytes")
        self._chunks.append(chunk)
        self.held += len(chunk)

    def drain(self) -> None:
        """Copy the chunks taken to the buffer, hash and write its whole blocks (creating the file
        first: the inode allocation, too, is slow on a filesystem that saw many files deleted
        lately)."""
        buffer = self._opened()[1]
        for chunk in self._chunks:
            view = memoryview(chunk)
            while view:
                count = min(len(view), BUFFER - self._filled)
                buffer[self._filled:self._filled + count] = view[:count]
                self._filled += count
                view = view[count:]
                if self._filled == BUFFER:
                    self._write(BUFFER)
        self._chunks.clear()
        self.held = 0
        self._write(self._filled - self._filled % BLOCK)

    def _write(self, count: int, data: int | None = None) -> None:
        """Hash the buffer's first `data` bytes (all `count` unless padded) and write `count`
        (whole blocks); the rest moves up. A buffer at a time, not a chunk at a time: each hash
        update and write releases the GIL, to take it back from the busy event loop."""
        if not count:
            return
        fd, buffer = self._opened()
        with memoryview(buffer) as view:
            self._hash.update(view[:count if data is None else data])
            done = 0
            while done < count:
                done += os.write(fd, view[done:count])
        self._filled -= count
        if self._filled:
            buffer.move(0, count, self._filled)

    def _opened(self) -> tuple[int, mmap.mmap]:
        """The file and its buffer, made by the first call."""
        if self._open is None:
            self._open = _create(self.path), _BUFFERS.take()
        return self._open

    @property
    def sha256(self) -> str:
        """Of every byte: known once closed."""
        if not self.synced:
            raise RuntimeError("a staged file's sha256 is known once it is closed")
        return self._hash.hexdigest()

    def close(self) -> None:
        """Drain, write the last block (padded, then cut to size), make the file durable
        (fsync) and close it; again, nothing."""
        if self.synced:
            return
        self.drain()
        fd, buffer = self._opened()
        if self._filled:
            padded = -(-self._filled // BLOCK) * BLOCK
            buffer[self._filled:padded] = bytes(padded - self._filled)
            data, self._filled = self._filled, padded
            self._write(padded, data)
            os.ftruncate(fd, self.size)
        os.fsync(fd)
        self._release()
        self.synced = True

    def _release(self) -> None:
        if self._open is not None:
            fd, buffer = self._open
            os.close(fd)
            _BUFFERS.give(buffer)
            self._open = None

    def discard(self) -> None:
        with suppress(OSError):
            self._release()
        self.path.unlink(missing_ok=True)


class Store:
    def __init__(self, root: Path) -> None:
        self.originals = root / "originals"
        self.staging = root / "staging"
        self._prefix, self._count = uuid.uuid4().hex, itertools.count()
        root.mkdir(PRIVATE_DIR, parents=True, exist_ok=True)
        for folder in (self.staging, self.originals):
            folder.mkdir(PRIVATE_DIR, exist_ok=True)
        for shard in range(256):  # here, not by the first upload of each (under load, a
            (self.originals / f"{shard:02x}").mkdir(PRIVATE_DIR, exist_ok=True)  # dir took ms)

    def stage(self, limit: int) -> Staged:
        """A new staged file, named by this store's random prefix and a count (a random name per
        file would cost a system call, which gives up the GIL, on the API's event loop)."""
        return Staged(self.staging / f"{self._prefix}-{next(self._count)}", limit)

    def path(self, sha256: str) -> Path:
        return self.originals / sha256[:2] / sha256

    @contextmanager
    def lock(self, sha256: str) -> Iterator[None]:
        """Exclusive, across processes, for the originals sharing `sha256`'s first byte: a lock
        on their folder (no lock file to create; the store made every folder when it opened)."""
        handle = os.open(self.path(sha256).parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)

    def keep(self, staged: Staged) -> bool:
        """Move a staged upload to its content address (atomic rename; an existing copy stays),
        under its `lock`: whether this placed it."""
        staged.close()
        target = self.path(staged.sha256)
        if target.exists():
            staged.discard()
            return False
        os.replace(staged.path, target)
        return True

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)
