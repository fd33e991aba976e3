"""Benchmark of OCR (not a test): `--ocr full` against `--ocr auto` on scanned one-page bills.

    .venv/bin/python bench/ocr.py [--count 20] [--seed 7]

Scans generated one-page bills that carry a number (samples.scans styles; PDF without text
layer or an image), extracts each with both strategies in turn, and prints seconds per page for
each, the speed-up of auto, and the precision, recall and F1 of each against the labels.
(Documents without a number, about a quarter of the generated corpus, cost auto three quick
looks, and close reads around any label they show; `custid eval --ocr auto|full` on
`samples.scans` output measures those too.)
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import pypdfium2 as pdfium

from extractor.evaluate import Report
from extractor.pipeline import Extractor
from extractor.settings import Settings
from samples.generator import generate
from samples.scans import FORMATS, draw_style, scan_file

STRATEGIES = ("full", "auto")


def scanned_bills(folder: Path, count: int, seed: int) -> list[tuple[bytes, list[dict]]]:
    """`count` one-page generated documents with numbers, scanned, and those numbers."""
    rng = random.Random(seed)
    bills: list[tuple[bytes, list[dict]]] = []
    for record in generate(folder, count * 3, seed):
        pdf = (folder / record["file"]).read_bytes()
        if record["expected"] and len(pdfium.PdfDocument(pdf)) == 1 and len(bills) < count:
            style = draw_style(rng)
            bills.append((scan_file(pdf, rng.choice(FORMATS), style, seed), record["expected"]))
    return bills


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bills = scanned_bills(Path(folder), args.count, args.seed)
    extractors = {s: Extractor(Settings(ocr=s)) for s in STRATEGIES}
    seconds = dict.fromkeys(STRATEGIES, 0.0)
    reports = {s: Report() for s in STRATEGIES}
    for index, (data, expected) in enumerate(bills):
        for strategy in STRATEGIES:  # in turn, so both meet the same machine load
            start = time.perf_counter()
            result = extractors[strategy].extract_bytes(data, f"bill-{index}")
            seconds[strategy] += time.perf_counter() - start
            reports[strategy].add(result, {"expected": expected})
    pages = len(bills)
    for strategy in STRATEGIES:
        print(f"{strategy}: {seconds[strategy] / pages:.2f} s/page  "
              f"{reports[strategy].overall.line()}")
    print(f"auto is {seconds['full'] / seconds['auto']:.2f}x faster than full")


if __name__ == "__main__":
    main()
