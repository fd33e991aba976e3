"""Benchmark: pages per second of in-process extraction against plain text reading.

    .venv/bin/python bench/text_pdf.py [--count 1000] [--seed 7] [--dir DIR]

Generates a corpus (unless --dir is given), then times on the same files, in the same run:
custid's extraction in-process, plain pypdfium2 text reading, and poppler's `pdftotext`
(when installed). Each is timed over several passes and the best pass counts, so that load
from other processes on the machine distorts the ratio less. Prints pages/second and the
ratios. Times are CPU seconds of this process and its children (`os.times`), so that other
processes on a shared machine distort them less than wall time would. Goal: extraction within
4x of pypdfium2's plain text reading per page.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium

from extractor.pipeline import Extractor


def plain_text(path: Path) -> None:
    document = pdfium.PdfDocument(path)
    try:
        for page in document:
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
    finally:
        document.close()


def poppler(path: Path) -> None:
    subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True)


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed(label: str, files: list[Path], pages: int, run: Callable[[Path], object],
          rounds: int) -> float:
    """Run `run` over the files `rounds` times; print and return the best seconds per page."""
    best = float("inf")
    for _ in range(rounds):
        start = cpu_seconds()
        for path in files:
            run(path)
        best = min(best, cpu_seconds() - start)
    seconds = best
    rate = pages / seconds
    print(f"{label:<24} {pages:6d} pages {seconds:7.2f} s {rate:8.1f} pages/s "
          f"{1000 * seconds / pages:6.2f} ms/page")
    return seconds / pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many passes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir
        if folder is None:
            from samples.generator import generate

            folder = Path(tmp)
            generate(folder, args.count, args.seed)
        files = sorted(folder.glob("*.pdf"))
        pages = sum(len(pdfium.PdfDocument(path)) for path in files)
        extractor = Extractor()
        extractor.extract_path(files[0])  # warm caches (packs compiled once per process)
        plain_text(files[0])
        custid = timed("custid extract", files, pages, extractor.extract_path, args.rounds)
        pdfium_s = timed("pypdfium2 plain text", files, pages, plain_text, args.rounds)
        print(f"custid / pypdfium2 plain text per page: {custid / pdfium_s:.2f}x (goal <= 4x)")
        if shutil.which("pdftotext"):
            poppler_s = timed("pdftotext (poppler)", files, pages, poppler, 1)
            print(f"custid / pdftotext per page: {custid / poppler_s:.2f}x")


if __name__ == "__main__":
    main()
