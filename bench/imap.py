"""IMAP scan: messages per second from a Dovecot on loopback (started here with
scripts/services.sh, filled by APPEND with the mailbox mix of bench/mailboxes.py), on one core,
with the prefilter against reading every message fully (the numbers must be equal), and the
peak RSS.

    .venv/bin/python bench/imap.py --count 5000

95% ordinary mail, 5% bills and welcome emails (`--bills`), a fifth of those with a PDF. Needs
root (Dovecot runs its mail processes as the dovecot user).
"""

from __future__ import annotations

import argparse
import imaplib
import multiprocessing
import resource
import shlex
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# the project instead of this folder, whose imap.py would hide the standard library's
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import samples.emails  # noqa: E402
from extractor.read import imap  # noqa: E402
from extractor.recovery import read_all  # noqa: E402
from extractor.settings import Settings  # noqa: E402
from samples.mailboxes import messages  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
USER, PASSWORD, FOLDER = "custid", "secret", "Bench"


@contextmanager
def dovecot(run: Path) -> Iterator[tuple[int, str]]:
    """A throwaway Dovecot (scripts/services.sh): its imaps port and certificate."""
    # Dovecot's stdio away from the pipe read here, which would else stay open while it runs.
    script = (f"source scripts/services.sh && start_dovecot {shlex.quote(str(run))} "
              '>/dev/null 2>&1 </dev/null && echo "$DOVECOT_IMAPS_PORT $DOVECOT_CA"')
    port, ca = subprocess.run(["bash", "-c", script], cwd=ROOT, check=True, text=True,
                              capture_output=True).stdout.split()
    try:
        yield int(port), ca
    finally:
        subprocess.run(["bash", "-c", f"source scripts/services.sh && stop_services "
                        f"{shlex.quote(str(run))}"], cwd=ROOT, check=False)


def fill(port: int, ca: str, count: int, bills: float, seed: int, folder: Path) -> None:
    """APPEND the generated messages (in a child process: their memory is not the scan's)."""
    samples.emails.ATTACH_SHARE = 0.2  # a fifth of the bills with a PDF
    items = messages(count, bills, seed, folder)
    started = time.perf_counter()
    context = ssl.create_default_context(cafile=ca)
    client = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=context)
    client.login(USER, PASSWORD)
    client.create(FOLDER)
    for data in items:
        client.append(FOLDER, None, None, data.replace(b"\n", b"\r\n"))
    client.logout()
    seconds = time.perf_counter() - started
    print(f"{count} messages, {sum(map(len, items)) / 1e6:.0f} MB, appended in {seconds:.1f} s "
          f"({count / seconds:.0f} messages/s)", flush=True)


def scan(account: imap.ImapAccount, ca: str, prefilter: bool) -> tuple[float, Counter]:
    started = time.perf_counter()
    read, _problems = read_all(imap.messages(account, PASSWORD, Settings().max_file_bytes,
                                             ca_file=ca), workers=1, prefilter=prefilter)
    seconds = time.perf_counter() - started
    return seconds, Counter((e.result.issuer.name if e.result.issuer else None, f.kind,
                             f.normalized) for e in read for f in e.result.findings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--bills", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # killed, still stop Dovecot
    with tempfile.TemporaryDirectory() as folder, dovecot(Path(folder)) as (port, ca):
        filler = multiprocessing.get_context("fork").Process(target=fill, args=(
            port, ca, args.count, args.bills, args.seed, Path(folder) / "bills"))
        filler.start()
        filler.join()
        account = imap.ImapAccount.parse(f"imaps://{USER}@127.0.0.1:{port}/{FOLDER}", [])
        fast, found = scan(account, ca, prefilter=True)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"prefilter: {args.count / fast:.0f} messages/s ({fast:.1f} s), "
              f"{sum(found.values())} numbers, peak RSS {rss:.0f} MB")
        full, everything = scan(account, ca, prefilter=False)
        print(f"every message read fully: {args.count / full:.0f} messages/s ({full:.1f} s), "
              f"{sum(everything.values())} numbers; equal: {found == everything}")


if __name__ == "__main__":
    main()
