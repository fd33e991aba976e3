"""Mailbox scan: messages per second over a generated mbox on one core, with the prefilter
against reading every message fully (the numbers must be equal), and the peak RSS.

    .venv/bin/python bench/mailboxes.py --count 20000

95% ordinary mail, 5% bills and welcome emails (`--bills`), a fifth of those with a PDF.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# the project instead of this folder, whose mailbox.py would hide the standard library's
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import samples.emails  # noqa: E402
from extractor.recovery import read_all  # noqa: E402
from extractor.settings import Settings  # noqa: E402
from extractor.walk import documents  # noqa: E402
from samples.mailboxes import messages, write_mbox  # noqa: E402


def scan(path: Path, prefilter: bool) -> tuple[float, Counter]:
    started = time.perf_counter()
    read, _problems = read_all(documents(path, Settings().max_file_bytes), workers=1,
                               prefilter=prefilter)
    seconds = time.perf_counter() - started
    return seconds, Counter((e.result.issuer.name if e.result.issuer else None, f.kind,
                             f.normalized) for e in read for f in e.result.findings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--bills", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    samples.emails.ATTACH_SHARE = 0.2  # a fifth of the bills with a PDF
    with tempfile.TemporaryDirectory() as folder:
        box = Path(folder) / "export"
        write_mbox(box, messages(args.count, args.bills, args.seed, Path(folder) / "bills"))
        size = box.stat().st_size
        fast, found = scan(box, prefilter=True)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{args.count} messages, {size / 1e6:.0f} MB mbox")
        print(f"prefilter: {args.count / fast:.0f} messages/s ({fast:.1f} s), "
              f"{sum(found.values())} numbers, peak RSS {rss:.0f} MB")
        full, everything = scan(box, prefilter=False)
        print(f"every message read fully: {args.count / full:.0f} messages/s ({full:.1f} s), "
              f"{sum(everything.values())} numbers; equal: {found == everything}")


if __name__ == "__main__":
    main()
