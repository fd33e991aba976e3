"""Helpers for tests that run the real service: wait for a condition, stop child processes."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import NamedTuple

import httpx


def wait(ready: Callable[[], object], seconds: float) -> None:
    """Poll `ready` until it is true; a request error or missing key counts as not yet."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except (httpx.HTTPError, KeyError):
            pass
        time.sleep(0.2)
    raise TimeoutError("the service did not get there in time")


def stop_all(children: list[subprocess.Popen]) -> None:
    """SIGTERM every child, then wait for each (killing those that do not end in time)."""
    for child in children:
        child.terminate()
    for child in children:
        try:
            child.wait(20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


class Process(NamedTuple):
    pid: int
    parent: int
    group: int


def live_processes() -> Iterator[Process]:
    """The processes running now (zombies left out), from /proc."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except OSError:  # ended meanwhile
            continue
        if state not in "ZX":
            yield Process(int(stat.parent.name), int(parent), int(group))


def kill_group(leader: int) -> None:
    """SIGKILL every process of `leader`'s process group, those started meanwhile too, but
    multiprocessing's resource tracker: it outlives them to unlink the named semaphores of their
    process pools (killed with them, it would leave those in /dev/shm for good)."""
    while members := [p.pid for p in live_processes()
                      if p.group == leader and not _resource_tracker(p.pid)]:
        for pid in members:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def _resource_tracker(pid: int) -> bool:
    try:
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # ended meanwhile: nothing to kill
        return True
