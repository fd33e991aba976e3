"""`custid serve`: its own Redis unless REDIS_URL is set, Celery workers and the API, each a child
process in its own session; SIGINT/SIGTERM (or a child that dies) stops all of them, newest first.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import redis

from extractor.service.db import upgrade
from extractor.service.metrics import multiprocess_env
from extractor.settings import Settings

STOP_SECONDS = 30  # a worker finishes its document within this, or is killed
REDIS_CONFIG = "redis.conf"  # the started Redis's password
SERVE_FILE = "serve.json"  # where a running serve's Redis and API are, for `custid ingest`


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_command(count: int) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker",
            "--pool", "prefork", "--concurrency", str(count), "--loglevel", "INFO",
            "--hostname", f"custid-{uuid.uuid4().hex[:8]}@%h"]


def api_command(host: str, port: int, workers: int = 1,
                trusted_proxies: Sequence[str] = ()) -> list[str]:
    """uvicorn with the app; X-Forwarded-For and -Proto are believed only from
    `trusted_proxies` (uvicorn's default, 127.0.0.1, is every client of a local serve: the
    audit log's client address could be forged)."""
    proxies = (["--proxy-headers", "--forwarded-allow-ips", ",".join(trusted_proxies)]
               if trusted_proxies else ["--no-proxy-headers"])
    return [sys.executable, "-m", "uvicorn", "extractor.api.app:create_app", "--factory",
            "--host", host, "--port", str(port), "--workers", str(workers), "--no-access-log",
            *proxies]


def redis_command(folder: Path, port: int, config: Path | None = None) -> list[str]:
    """A private redis-server: loopback only, no persistence; `config` first (its password)."""
    return ["redis-server", *([str(config)] if config else []), "--bind", "127.0.0.1",
            "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(folder)]


def redis_config(folder: Path) -> tuple[Path, str]:
    """A new password for a started Redis, in a config file for its owner alone (not on the
    command line, which every local user can read): the file and the password."""
    config = folder / REDIS_CONFIG
    config.unlink(missing_ok=True)
    password = secrets.token_urlsafe(32)
    with os.fdopen(os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
        file.write(f"requirepass {password}\n")
    return config, password


def wait_for_redis(url: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            redis.Redis.from_url(url, socket_timeout=1).ping()
            return
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class Supervisor:
    """Child processes started in order and stopped in reverse order."""

    def __init__(self) -> None:
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.stopping = False

    def start(self, name: str, argv: list[str], env: dict[str, str], output: int | None = None,
              ) -> None:
        # A session of its own: a terminal's Ctrl-C reaches only us, and we stop the children.
        child = subprocess.Popen(argv, env=env, start_new_session=True, stdout=output,
                                 stderr=output)
        self.children.append((name, child))

    def watch(self) -> int:
        """Until a signal (exit status 0) or a child's exit (1)."""
        def stop(_signum: int, _frame: object) -> None:
            self.stopping = True
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, stop)
        while not self.stopping:
            for name, child in self.children:
                if child.poll() is not None:
                    print(f"custid: {name} exited with status {child.returncode}; stopping",
                          file=sys.stderr)
                    return 1
            time.sleep(0.2)
        return 0

    def stop(self) -> None:
        for _name, child in reversed(self.children):
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()


def serve(settings: Settings, host: str, port: int) -> int:
    """Run everything until Ctrl-C; the exit status."""
    os.umask(0o077)  # what serve and its children create is their owner's alone
    settings.data_dir.mkdir(0o700, parents=True, exist_ok=True)
    upgrade(settings.database)  # once, before any process uses the database
    env = {**os.environ, "CUSTID_DATA_DIR": str(settings.data_dir),
           "DATABASE_URL": settings.database, **multiprocess_env(settings)}
    supervisor = Supervisor()
    try:
        if not settings.redis_url:
            redis_port = free_port()
            config, password = redis_config(settings.data_dir)
            supervisor.start("redis-server", redis_command(settings.data_dir, redis_port,
                                                           config), env)
            env["REDIS_URL"] = f"redis://:{password}@127.0.0.1:{redis_port}/0"
            wait_for_redis(env["REDIS_URL"])
        supervisor.start("worker", worker_command(settings.workers), env)
        supervisor.start("api", api_command(host, port, settings.api_workers,
                                             settings.trusted_proxies), env)
        (settings.data_dir / SERVE_FILE).write_text(json.dumps(
            {"redis_url": env.get("REDIS_URL"), "api_url": f"http://{host}:{port}"}))
        return supervisor.watch()
    finally:
        (settings.data_dir / SERVE_FILE).unlink(missing_ok=True)
        supervisor.stop()
