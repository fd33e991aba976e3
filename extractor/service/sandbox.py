"""Read documents in a forked child process with an address-space limit and an alarm.

A flate bomb, a decompression bomb or a reader crash then ends only that child: the worker
records the document as failed (`too_large`, `timeout`, `malformed`) and goes on with a new
child. The child inherits the compiled packs (fork: no start-up cost) and reads one document
after the other, each sent to it over a pipe and its result sent back: a fork per document
costs more than reading a text PDF. A child that has grown by a quarter of its allowance retires
after its document, so that each document has most of the allowance.
PDFium aborts when an allocation fails: that is why the limit is not set in the worker itself.
In the child each attachment of an email is read in a forked process of its own (within the
same limit), so that a bomb attached to a mail is skipped with a warning and the body still read.
A child the kernel kills (SIGKILL: the OOM killer, say) is replaced and the document read once
more, as another process may have taken the memory; killed again, it fails as `too_large`.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import hashlib
import math
import os
import pickle
import resource
import signal
import struct
import time
import weakref
from collections.abc import Callable
from typing import BinaryIO

from extractor.document.readout import Readout
from extractor.document.result import DocumentResult, ErrorInfo
from extractor.errors import (
    CustidError,
    InternalError,
    MalformedDocument,
    ProcessingTimeout,
    TooLarge,
)
from extractor.masking import mask_text
from extractor.pipeline import Extractor
from extractor.read.sniff import DocType
from extractor.read.strategy import read_document
from extractor.settings import Settings

PR_SET_PDEATHSIG = 1
PAGE = os.sysconf("SC_PAGE_SIZE")
HEADER = struct.Struct("!QQ")  # to the child: name and data sizes; back: result size, retiring


def _address_space() -> int:
    """Bytes of address space this process maps now."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * PAGE


def _serve(requests: BinaryIO, replies: BinaryIO, extractor: Extractor, megabytes: int,
           seconds: int) -> None:
    """The child: read documents until the worker goes or this process has grown too much."""
    start, allowance = _address_space(), megabytes * 1024 * 1024
    extractor.read_part = _read_apart
    resource.setrlimit(resource.RLIMIT_AS, (start + allowance, start + allowance))
    while len(header := requests.read(HEADER.size)) == HEADER.size:
        name_size, data_size = HEADER.unpack(header)
        name, data = requests.read(name_size).decode(), requests.read(data_size)
        signal.alarm(seconds)
        output = _read(extractor, data, name).model_dump_json().encode()
        signal.alarm(0)
        retiring = _address_space() - start > allowance // 4
        replies.write(HEADER.pack(len(output), retiring) + output)
        replies.flush()
        if retiring:
            return


def _read(extractor: Extractor, data: bytes, name: str) -> DocumentResult:
    try:
        return Extractor.extract_bytes(extractor, data, name)
    except MemoryError:
        return _failed(data, name, TooLarge.code, "reading it needs more memory than allowed")
    except Exception as exc:  # reported as the document's error
        return _failed(data, name, InternalError.code, mask_text(repr(exc)))


def _fork(body: Callable[[], None]) -> int:
    """Run `body` in a forked child that dies with this process: the child's pid."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        # A reader's abort (PDFium's, past the memory limit) is an expected end of this
        # child, reported by its parent: no traceback from a faulthandler it inherited.
        faulthandler.disable()
        try:
            with contextlib.suppress(OSError, AttributeError):
                ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            body()
        finally:
            os._exit(0)
    return pid


def _read_apart(data: bytes, doc_type: DocType, settings: Settings,
                wants_words: Callable[[str], bool]) -> Readout:
    """An email's attachment read in a process of its own; its death raises the error that the
    email's reader reports as the part's warning."""
    readable, writable = os.pipe()

    def read() -> None:  # pragma: no cover - the child
        os.close(readable)
        outcome: Readout | CustidError
        try:
            outcome = read_document(data, doc_type, settings, wants_words)
        except CustidError as exc:
            outcome = exc
        except MemoryError:
            outcome = TooLarge("reading it needs more memory than allowed")
        except Exception as exc:  # reported as the part's warning
            outcome = InternalError(mask_text(repr(exc)))
        with os.fdopen(writable, "wb") as pipe:
            pickle.dump(outcome, pipe)

    pid = _fork(read)
    os.close(writable)
    with os.fdopen(readable, "rb") as pipe:
        reply = pipe.read()
    status = os.waitpid(pid, 0)[1]
    if not reply:
        code, message = _why(status, settings.reader_memory_mb)
        raise TooLarge(message) if code == TooLarge.code else MalformedDocument(message)
    outcome = pickle.loads(reply)
    if isinstance(outcome, CustidError):
        raise outcome
    return outcome


def _failed(data: bytes, name: str, code: str, message: str) -> DocumentResult:
    return DocumentResult(file=name, sha256=hashlib.sha256(data).hexdigest(),
                          error=ErrorInfo(code=code, message=message))


def _why(status: int, megabytes: int) -> tuple[str, str]:
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM:
        return ProcessingTimeout.code, "reading it took too long"
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGABRT:
        return TooLarge.code, f"reading it needed more than {megabytes} MB of memory"
    if _killed(status):
        return TooLarge.code, "the reader was killed (by the kernel, out of memory?)"
    return MalformedDocument.code, f"the reader stopped on it (status {status})"


def _killed(status: int) -> bool:
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


class _Child:
    """A reading child process and the worker's ends of its two pipes."""

    def __init__(self, extractor: Extractor, megabytes: int, seconds: int) -> None:
        child_in, self_out = os.pipe()
        self_in, child_out = os.pipe()

        def serve() -> None:  # pragma: no cover - the child
            os.close(self_out)
            os.close(self_in)
            _serve(os.fdopen(child_in, "rb"), os.fdopen(child_out, "wb"), extractor, megabytes,
                   seconds)

        self.pid = _fork(serve)
        os.close(child_in)
        os.close(child_out)
        self.requests, self.replies = os.fdopen(self_out, "wb"), os.fdopen(self_in, "rb")

    def read(self, data: bytes, name: str) -> tuple[bytes, bool] | None:
        """The result as JSON and whether the child retires; None if the child died on it."""
        encoded = name.encode()
        try:
            self.requests.write(HEADER.pack(len(encoded), len(data)) + encoded)
            self.requests.write(data)
            self.requests.flush()
        except BrokenPipeError:
            return None
        header = self.replies.read(HEADER.size)
        if len(header) < HEADER.size:
            return None
        size, retiring = HEADER.unpack(header)
        return self.replies.read(size), bool(retiring)

    def stop(self) -> int:
        """Kill the child unless it is gone, and reap it: its wait status."""
        for pipe in (self.requests, self.replies):
            with contextlib.suppress(OSError):
                pipe.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        return os.waitpid(self.pid, 0)[1]


class SandboxedExtractor(Extractor):
    """An Extractor whose `extract_bytes` runs in a bounded child process (Linux)."""

    _child: _Child | None = None
    _stop: weakref.finalize | None = None

    def extract_bytes(self, data: bytes, name: str) -> DocumentResult:
        time.sleep(self.settings.task_delay)
        megabytes = self.settings.reader_memory_mb
        if not megabytes:
            return super().extract_bytes(data, name)
        reply, status = self._attempt(data, name, megabytes)
        if reply is None and _killed(status):  # maybe not this document's doing: once more
            reply, status = self._attempt(data, name, megabytes)
        if reply is None:
            return _failed(data, name, *_why(status, megabytes))
        if reply[1]:
            self._retire()
        return DocumentResult.model_validate_json(reply[0])

    def _attempt(self, data: bytes, name: str,
                 megabytes: int) -> tuple[tuple[bytes, bool] | None, int]:
        """The child's reply, or None and the child's wait status if it died on the document."""
        if self._child is None:
            self._child = _Child(self, megabytes, math.ceil(self.settings.task_time_limit))
            self._stop = weakref.finalize(self, self._child.stop)
        try:
            reply = self._child.read(data, name)
        except BaseException:  # the task was stopped: the child may be reading still
            self._retire()
            raise
        return (reply, 0) if reply is not None else (None, self._retire())

    def _retire(self) -> int:
        """Stop the child (the next document gets a new one): its wait status."""
        assert self._child is not None and self._stop is not None
        child, self._child = self._child, None
        self._stop.detach()  # stopped here: not again when the extractor is collected
        return child.stop()
