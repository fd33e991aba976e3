"""Helpers for tests that run the real service: wait for a condition, stop child processes."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

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
