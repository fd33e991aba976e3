"""IMAP accounts as sources, against the Dovecot scripts/test.sh started on loopback: the same
numbers as the .eml files, read-only, resumable, a dropped connection survived without reading
a message twice, and clear errors (wrong password, missing folder, untrusted certificate,
connection refused); `ingest --watch` takes new mail until stopped."""

from __future__ import annotations

import imaplib
import json
import os
import signal
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from extractor.pipeline import Extractor
from extractor.read import imap
from extractor.recovery import read_all
from extractor.settings import Settings
from tests.e2e.test_mailbox import mail, numbers  # noqa: F401 (the fixture)
from tests.e2e.test_recover import CUSTID

LIMIT = Settings().max_file_bytes


def env(name: str) -> str:
    value = os.environ.get(f"CUSTID_TEST_IMAP_{name}")
    if not value:
        pytest.fail(f"CUSTID_TEST_IMAP_{name} is not set: run the suite with scripts/test.sh")
    return value


def client() -> imaplib.IMAP4:
    context = ssl.create_default_context(cafile=env("CA"))
    connection = imaplib.IMAP4_SSL("127.0.0.1", int(env("IMAPS_PORT")), ssl_context=context)
    connection.login(env("USER"), env("PASSWORD"))
    return connection


def account(folder: str, port: str = "", scheme: str = "imaps") -> imap.ImapAccount:
    port = port or env("IMAPS_PORT" if scheme == "imaps" else "PORT")
    return imap.ImapAccount.parse(f"{scheme}://{env('USER')}@127.0.0.1:{port}/{folder}", [])


@pytest.fixture(scope="module")
def folder(mail: dict[str, Path]) -> str:  # noqa: F811
    """A new folder holding the 80 messages, appended over IMAP."""
    name = f"Bills-{uuid.uuid4().hex[:8]}"
    connection = client()
    assert connection.create(name)[0] == "OK"
    for path in sorted(mail["eml"].iterdir()):
        connection.append(name, None, None, path.read_bytes().replace(b"\n", b"\r\n"))
    connection.logout()
    return name


def read(target: imap.ImapAccount, **options: object) -> list:
    return list(imap.messages(target, env("PASSWORD"), LIMIT, ca_file=env("CA"), **options))


def test_imap_gives_the_numbers_of_the_eml_files(mail: dict[str, Path],  # noqa: F811
                                                 folder: str) -> None:
    found, problems = read_all(read(account(folder)), workers=2)
    assert not problems
    got = Counter((e.result.issuer.name if e.result.issuer else None, e.result.document_date,
                   f.kind, f.normalized) for e in found for f in e.result.findings)
    assert got == numbers(mail["eml"])
    assert found[0].document.startswith(f"imaps://custid@127.0.0.1:{env('IMAPS_PORT')}/"
                                        f"{folder}#")


def test_read_only_and_resumable(folder: str) -> None:
    marks: imap.Marks = {}
    first = read(account(folder), marks=marks)
    assert len(first) == 80 and read(account(folder), marks=marks) == []
    connection = client()
    connection.select(folder, readonly=True)
    _status, flags = connection.fetch("1:*", "(FLAGS)")
    assert not any(b"\\Seen" in line for line in flags)  # BODY.PEEK[]: nothing marked read
    connection.append(folder, None, None, b"From: a@b.example\r\nSubject: new\r\n\r\nhi\r\n")
    connection.logout()
    assert [m.data.count(b"Subject: new") for m in read(account(folder), marks=marks)] == [1]


def test_imap_with_starttls(folder: str) -> None:
    assert len(read(account(folder, scheme="imap"))) >= 80  # Dovecot offers STARTTLS


class DroppingProxy:
    """Forwards one connection at a time to Dovecot; cuts the first after `cut` bytes from
    the server."""

    def __init__(self, cut: int) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut, self.connections = cut, 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                near, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            far = socket.create_connection(("127.0.0.1", int(env("IMAPS_PORT"))))
            limit = self.cut if self.connections == 1 else None
            threading.Thread(target=self._pipe, args=(near, far, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(far, near, limit), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket, limit: int | None) -> None:
        sent = 0
        try:
            while data := source.recv(65536):
                target.sendall(data)
                sent += len(data)
                if limit is not None and sent >= limit:
                    break
        except OSError:
            pass
        for end in (source, target):
            end.close()

    def close(self) -> None:
        self.listener.close()


def test_a_dropped_connection_resumes_and_reads_nothing_twice(folder: str) -> None:
    proxy = DroppingProxy(cut=120_000)
    try:
        got = read(account(folder, str(proxy.port)))
    finally:
        proxy.close()
    assert proxy.connections >= 2
    names = [m.name for m in got]
    assert len(names) == len(set(names)) and len(names) >= 80
    assert [m.data for m in got[:80]] == [m.data for m in read(account(folder))[:80]]


def test_clear_errors(folder: str) -> None:
    with pytest.raises(imap.ImapError, match=r"refused \(wrong password"):
        list(imap.messages(account(folder), "nope", LIMIT, ca_file=env("CA")))
    with pytest.raises(imap.ImapError, match="no folder 'Nowhere'"):
        read(account("Nowhere"))
    with pytest.raises(imap.ImapError, match=r"certificate .* is not trusted"):
        list(imap.messages(account(folder), env("PASSWORD"), LIMIT))
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(imap.ImapError, match="connection refused"):
        read(account(folder, str(port)))


def test_cli_recover_and_ingest_an_account(folder: str, tmp_path: Path) -> None:
    url = f"imaps://{env('USER')}@127.0.0.1:{env('IMAPS_PORT')}/{folder}"
    environ = {**os.environ, "CUSTID_IMAP_PASSWORD": env("PASSWORD"),
               "CUSTID_IMAP_CA_FILE": env("CA"), "CUSTID_DATA_DIR": str(tmp_path / "data"),
               "CUSTID_WORKERS": "2"}
    for name in ("DATABASE_URL", "REDIS_URL"):
        environ.pop(name, None)
    answer = subprocess.run([CUSTID, "recover", url, "--json"], capture_output=True, text=True,
                            env=environ, timeout=300)
    assert answer.returncode == 0 and f"{folder}#" in answer.stdout, answer.stderr
    wrong = subprocess.run([CUSTID, "recover", url], capture_output=True, text=True,
                           env={**environ, "CUSTID_IMAP_PASSWORD": "nope"}, timeout=120)
    assert wrong.returncode == 2 and "wrong password" in wrong.stderr
    report = tmp_path / "report.jsonl"
    ingest = [CUSTID, "ingest", url, "--report", str(report)]
    first = subprocess.run(ingest, capture_output=True, text=True, env=environ, timeout=300)
    assert first.returncode == 0, first.stderr
    assert len(report.read_text().splitlines()) >= 80
    again = subprocess.run(ingest, capture_output=True, text=True, env=environ, timeout=300)
    assert again.returncode == 0 and report.read_text() == "", again.stderr


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout  # generous: the machine may be loaded
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.2)


def test_ingest_watch_takes_new_mail_until_stopped(mail: dict[str, Path],  # noqa: F811
                                                   tmp_path: Path) -> None:
    extractor = Extractor(Settings())
    bill = next(data for data in (p.read_bytes() for p in sorted(mail["eml"].iterdir()))
                if extractor.extract_bytes(data, "bill.eml").findings)
    name = f"Watch-{uuid.uuid4().hex[:8]}"
    connection = client()
    assert connection.create(name)[0] == "OK"
    connection.append(name, None, None, b"From: a@b.example\r\nSubject: hello\r\n\r\nhi\r\n")
    report = tmp_path / "report.jsonl"

    def rows() -> list[dict]:
        return [json.loads(line) for line in report.read_text().splitlines()] \
            if report.exists() else []

    environ = {**os.environ, "CUSTID_IMAP_PASSWORD": env("PASSWORD"),
               "CUSTID_IMAP_CA_FILE": env("CA"), "CUSTID_DATA_DIR": str(tmp_path / "data"),
               "CUSTID_WORKERS": "1"}
    for variable in ("DATABASE_URL", "REDIS_URL"):
        environ.pop(variable, None)
    url = f"imap://{env('USER')}@127.0.0.1:{env('PORT')}/{name}"
    with (tmp_path / "output").open("w") as output:
        process = subprocess.Popen([CUSTID, "ingest", url, "--watch", "--every", "0.5",
                                    "--report", str(report)], env=environ, stdout=output,
                                   stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: len(rows()) == 1, "the message there at the start")
            connection.append(name, None, None, bill.replace(b"\n", b"\r\n"))
            connection.logout()
            wait_for(lambda: len(rows()) == 2, "the new bill")
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
    assert code == 0, (tmp_path / "output").read_text()
    first, second = rows()
    assert first["status"] == "skipped" and first["path"].endswith(f"/{name}#1")
    assert second["status"] == "done" and second["path"].endswith(f"/{name}#2")
    assert second["findings"]  # the bill's numbers, read once
