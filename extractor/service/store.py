"""Originals, content-addressed and never modified: in a folder (the data dir's, by default) or
in an S3-compatible bucket, as CUSTID_STORE_URL says (`open_store`).

Workspaces share the original of identical uploads (never its document): an original is removed
only once no document references it, checked under the file's lock, which uploads take too.
Upload names never become paths or keys: an original's name is its sha256. Uploads are staged
in a local folder first, where they are hashed (and written through direct I/O).
"""

from __future__ import annotations

import base64
import errno
import fcntl
import hashlib
import itertools
import mmap
import os
import re
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from extractor.errors import TooLarge
from extractor.settings import Settings

if TYPE_CHECKING:  # the stubs are a dev dependency
    from mypy_boto3_s3 import S3Client

BLOCK = 4096  # direct I/O's alignment: of the buffer, and of each write's length and offset
BUFFER = 1 << 20  # bytes an upload is written through at a time
POOLED = 32  # buffers kept for the next uploads
READ_ONLY = 0o400  # originals: for the owner alone, who never writes them again
PRIVATE_DIR = 0o700  # the data directory and its folders: other local users see nothing
SHA256 = re.compile(r"[0-9a-f]{64}")
S3_CONNECTIONS = 32  # the API's writer threads and a worker's reads, with room


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


def open_store(settings: Settings) -> Store:
    """The store CUSTID_STORE_URL names: a bucket (s3://BUCKET/PREFIX), or a folder (by default
    the data dir)."""
    url = settings.store_url
    if url and url.startswith("s3://"):
        return S3Store(url, settings.data_dir)
    return LocalStore(Path(url) if url else settings.data_dir)


def _checked(sha256: str) -> str:
    """An original's name, only ever a sha256 (never anything an upload chose)."""
    if not SHA256.fullmatch(sha256):
        raise ValueError("an original is named by its sha256")
    return sha256


class Store(ABC):
    """Where originals are kept. Uploads are staged under `root`, and a process locks an original
    there (`lock`) while it places or removes it."""

    def __init__(self, root: Path, locks: Path) -> None:
        self.staging, self.locks = root / "staging", locks
        self._prefix, self._count = uuid.uuid4().hex, itertools.count()
        root.mkdir(PRIVATE_DIR, parents=True, exist_ok=True)
        for folder in (self.staging, locks):
            folder.mkdir(PRIVATE_DIR, exist_ok=True)
        for shard in range(256):  # here, not by the first upload of each (under load, a
            (locks / f"{shard:02x}").mkdir(PRIVATE_DIR, exist_ok=True)  # directory took ms)

    def stage(self, limit: int) -> Staged:
        """A new staged file, named by this store's random prefix and a count (a random name per
        file would cost a system call, which gives up the GIL, on the API's event loop)."""
        return Staged(self.staging / f"{self._prefix}-{next(self._count)}", limit)

    @contextmanager
    def lock(self, sha256: str) -> Iterator[None]:
        """Exclusive, across this host's processes, for the originals sharing `sha256`'s first
        byte: a lock on their folder (no lock file to create; the store made every folder when it
        opened). Across hosts, the database's lock does (`db.lock_files`)."""
        folder = self.locks / _checked(sha256)[:2]
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)

    @abstractmethod
    def keep(self, staged: Staged) -> bool:
        """Place a staged upload (closed first) at its content address, durably, under its
        `lock`; an existing copy stays: whether this placed it. The staged file is gone after."""

    def keep_all(self, staged: list[Staged]) -> list[bool]:
        """`keep` each, one after the other."""
        return [self.keep(file) for file in staged]

    @abstractmethod
    def read(self, sha256: str) -> bytes: ...

    @abstractmethod
    def delete(self, sha256: str) -> None:
        """The original, if there is one (under its `lock`)."""

    @abstractmethod
    def stored(self, before: float) -> Iterator[list[str]]:
        """The originals placed before `before` (a time.time()), in batches."""


class LocalStore(Store):
    """In a folder: `originals/` by the first byte of the sha256, read-only files placed by an
    atomic rename from `staging/` (the same filesystem)."""

    def __init__(self, root: Path) -> None:
        self.originals = root / "originals"
        super().__init__(root, self.originals)

    def path(self, sha256: str) -> Path:
        return self.originals / sha256[:2] / _checked(sha256)

    def keep(self, staged: Staged) -> bool:
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

    def stored(self, before: float) -> Iterator[list[str]]:
        for shard in sorted(self.originals.iterdir()):
            with os.scandir(shard) as entries:
                batch = [entry.name for entry in entries
                         if SHA256.fullmatch(entry.name) and entry.stat().st_mtime < before]
            if batch:
                yield batch


class S3Store(Store):
    """In an S3-compatible bucket (`s3://BUCKET/PREFIX`), keys PREFIX/ab/abcd…, each placed by
    one PUT that the service checks against the sha256 (S3's checksum). The endpoint, region and
    credentials come from the standard variables (AWS_ENDPOINT_URL, AWS_DEFAULT_REGION,
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY). Uploads are staged, and locked, in `root`. A
    failure of the service is an OSError, as a disk's would be."""

    def __init__(self, url: str, root: Path) -> None:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"not an s3://BUCKET/PREFIX URL: {url!r}")
        self.bucket, prefix = parts.netloc, parts.path.strip("/")
        self.prefix = f"{prefix}/" if prefix else ""
        super().__init__(root, root / "locks")
        self.client: S3Client = boto3.client("s3", config=Config(
            max_pool_connections=S3_CONNECTIONS, retries={"mode": "standard"},
            # The PUT carries the SHA-256 the service checks; no CRC of every body besides.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required"))
        self._senders = ThreadPoolExecutor(S3_CONNECTIONS, thread_name_prefix="custid-s3")
        with self._failing("open the bucket"):
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if not _missing(exc):
                    raise
                try:
                    self.client.create_bucket(Bucket=self.bucket)
                except ClientError:  # made meanwhile by another process, or refused
                    self.client.head_bucket(Bucket=self.bucket)

    def key(self, sha256: str) -> str:
        return f"{self.prefix}{sha256[:2]}/{_checked(sha256)}"

    @contextmanager
    def _failing(self, action: str) -> Iterator[None]:
        try:
            yield
        except (BotoCoreError, ClientError) as exc:
            raise OSError(f"S3 could not {action}: {exc}") from exc

    def keep(self, staged: Staged) -> bool:
        """One conditional PUT (If-None-Match: an existing copy stays; a service that ignores
        the condition writes the same bytes again, and this counts as placed)."""
        staged.close()
        checksum = base64.b64encode(bytes.fromhex(staged.sha256)).decode()
        try:
            with self._failing("store an original"), staged.path.open("rb") as body:
                try:
                    self.client.put_object(Bucket=self.bucket, Key=self.key(staged.sha256),
                                           Body=body, ChecksumSHA256=checksum, IfNoneMatch="*")
                except ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") not in EXISTS:
                        raise
                    return False
                return True
        finally:
            staged.discard()

    def keep_all(self, staged: list[Staged]) -> list[bool]:
        """All at once: each PUT is a round trip to the service."""
        return list(self._senders.map(self.keep, staged))

    def read(self, sha256: str) -> bytes:
        """The bytes, checked against their name (the bucket is another party's disk)."""
        with self._failing("read an original"):
            data = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"].read()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise OSError(f"S3 returned other bytes for the original {sha256[:12]}")
        return data

    def delete(self, sha256: str) -> None:
        with self._failing("delete an original"):
            self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))

    def stored(self, before: float) -> Iterator[list[str]]:
        with self._failing("list the originals"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                batch = [name for item in page.get("Contents", [])
                         if SHA256.fullmatch(name := item["Key"].rsplit("/", 1)[-1])
                         and item["LastModified"].timestamp() < before]
                if batch:
                    yield batch


EXISTS = ("PreconditionFailed", "ConditionalRequestConflict")  # the key is (being) written


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NoSuchBucket")
