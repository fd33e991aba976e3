"""Mailboxes as sources: mbox files (any name, Apple Mail's .mbox folders) and Maildir folders
give exactly the numbers the same messages give as .eml files, with or without the prefilter;
broken, truncated and oversized messages are reported while the rest is read; `custid ingest`
reports a row per message."""

from __future__ import annotations

import json
import mailbox as stdlib_mailbox
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from extractor.pipeline import Extractor
from extractor.read.mailbox import mbox_messages
from extractor.recovery import read_all
from extractor.settings import Settings
from extractor.walk import documents
from samples.mailboxes import messages, write_maildir, write_mbox
from tests.e2e.test_bulk import finish, ingest
from tests.e2e.test_recover import CUSTID

LIMIT = Settings().max_file_bytes


@pytest.fixture(scope="module")
def mail(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same 80 messages (a third bills and welcomes) as .eml files, an mbox named without
    an extension, a Maildir and an Apple Mail export."""
    folder = tmp_path_factory.mktemp("mail")
    items = messages(80, 0.3, 11, folder / "generated")
    emls = folder / "eml"
    emls.mkdir()
    for index, data in enumerate(items, 1):
        (emls / f"message-{index:03d}.eml").write_bytes(data)
    write_mbox(folder / "export", items)
    write_maildir(folder / "Maildir", items)
    (folder / "Inbox.mbox").mkdir()
    write_mbox(folder / "Inbox.mbox" / "mbox", items)
    return {"eml": emls, "mbox": folder / "export", "maildir": folder / "Maildir",
            "apple": folder / "Inbox.mbox", "items": folder / "generated"}


def numbers(source: Path, prefilter: bool = True) -> Counter:
    read, problems = read_all(documents(source, LIMIT), workers=2, prefilter=prefilter)
    assert not problems
    return Counter((each.result.issuer.name if each.result.issuer else None,
                    each.result.document_date, f.kind, f.normalized)
                   for each in read for f in each.result.findings)


def test_mbox_and_maildir_give_the_numbers_of_the_eml_files(mail: dict[str, Path]) -> None:
    expected = numbers(mail["eml"])
    labels = [json.loads(line) for line in (mail["items"] / "labels.jsonl").open()]
    assert sum(len(r["expected"]) for r in labels) >= 20  # bills with numbers, PDFs among them
    assert sum(expected.values()) >= 20
    for kind in ("mbox", "maildir", "apple"):
        assert numbers(mail[kind]) == expected, kind
    assert numbers(mail["mbox"], prefilter=False) == expected


def test_messages_are_the_eml_bytes_named_by_place(mail: dict[str, Path]) -> None:
    found = list(mbox_messages(mail["mbox"], LIMIT))
    assert [m.name for m in found[:2]] == [f"{mail['mbox']}#1", f"{mail['mbox']}#2"]
    assert [m.data for m in found] == [p.read_bytes() for p in sorted(mail["eml"].iterdir())]


def test_prefilter_passes_over_ordinary_mail_only(mail: dict[str, Path]) -> None:
    extractor = Extractor(Settings())
    for path in sorted(mail["eml"].iterdir()):
        data = path.read_bytes()
        if extractor.extract_bytes(data, path.name).findings:
            assert extractor.worth_reading(data), path.name
    ordinary = [p for p in mail["eml"].iterdir() if b"@example.org>" in p.read_bytes()[-4000:]
                and b"Message-ID: <ordinary." in p.read_bytes()]
    assert ordinary and not any(extractor.worth_reading(p.read_bytes()) for p in ordinary)


def test_from_lines_in_bodies_and_crlf(tmp_path: Path) -> None:
    body = (b"From: a@shop.example\r\nSubject: x\r\n\r\nFrom now on your\r\n"
            b">From quoted\r\nCustomer number: 5521-7734\r\n")
    box = stdlib_mailbox.mbox(tmp_path / "crlf")
    box.add(body)
    box.add(body)
    box.close()
    found = list(mbox_messages(tmp_path / "crlf", LIMIT))
    assert len(found) == 2
    assert found[0].data == found[1].data
    # read as mboxrd: one ">" off every quoted From line (the stdlib wrote the first quote)
    assert found[0].data.endswith(b"\r\n\r\nFrom now on your\r\nFrom quoted\r\n"
                                  b"Customer number: 5521-7734\r\n")


def recover(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([CUSTID, "recover", *args, "--json", "--workers", "2"],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "200", **env})


def test_broken_truncated_and_oversized_messages_are_reported(mail: dict[str, Path],
                                                              tmp_path: Path) -> None:
    items = [p.read_bytes() for p in sorted(mail["eml"].iterdir())]
    with_pdf = next(i for i, data in enumerate(items) if b"application/pdf" in data)
    garbage = b"\x00\x01binary junk, not an email\xff" * 40
    huge = items[0] + b"\n" + b"x" * 300_000 + b"\n"
    cut = items[with_pdf][:len(items[with_pdf]) * 2 // 3]  # ends inside its PDF attachment
    good = [i for i in range(len(items)) if i != with_pdf]
    write_mbox(tmp_path / "broken", [items[i] for i in good] + [garbage, huge, cut])
    answer = recover(str(tmp_path / "broken"), CUSTID_MAX_FILE_BYTES="200000")
    assert answer.returncode == 0, answer.stderr
    total = len(good) + 3
    assert f"broken#{len(good) + 1}: unsupported_type" in answer.stderr
    assert f"broken#{len(good) + 2}: too_large" in answer.stderr
    assert f"warning: {tmp_path / 'broken'}#{total}:" in answer.stderr
    found = {(r["kind"], r["normalized"]) for r in map(json.loads, answer.stdout.splitlines())}
    whole = recover(str(mail["mbox"]))
    expected = {(r["kind"], r["normalized"]) for r in map(json.loads, whole.stdout.splitlines())}
    assert len(expected - found) <= 1 + len(expected) // 10  # at most the cut message's own
    record = json.loads(answer.stdout.splitlines()[0])
    assert record["document"].startswith(f"{tmp_path / 'broken'}#")
    assert record["message"]["subject"] and record["message"]["date"][:2] == "20"


def test_ingest_reports_a_row_per_message(mail: dict[str, Path], tmp_path: Path) -> None:
    report = tmp_path / "report.jsonl"
    code, output = finish(ingest(mail["mbox"], tmp_path / "data", "--report", str(report)), 300)
    assert code == 0, output
    rows = [json.loads(line) for line in report.read_text().splitlines()]
    assert len(rows) == 80 and all(r["path"].startswith(f"{mail['mbox']}#") for r in rows)
    statuses = Counter(r["status"] for r in rows)
    assert statuses["done"] >= 15 and statuses["skipped"] >= 40, statuses
    assert sum(len(r["findings"]) for r in rows) >= 20
    code, output = finish(ingest(mail["maildir"], tmp_path / "data", "--report", str(report)),
                          300)
    again = Counter(json.loads(line)["status"] for line in report.read_text().splitlines())
    assert code == 0 and again["duplicate"] == statuses["done"] and not again["done"], output
