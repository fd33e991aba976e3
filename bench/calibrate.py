"""Fit the confidence calibration: map raw scores to how often a finding is right.

    .venv/bin/python bench/calibrate.py [--count 2000] [--seed 5] [--check-seed 6]

Extracts a generated corpus with no threshold and an identity calibration, fits a monotone
piecewise-linear map from raw score to the share of findings that are right (pool adjacent
violators over equal-count bins), writes `extractor/match/calibration.json`, then prints the
reliability of the new map on a second corpus made with another seed.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from extractor.evaluate import evaluate, read_labels
from extractor.match import scoring
from extractor.match.values import normalize
from extractor.pipeline import Extractor
from extractor.settings import Settings
from samples.generator import generate

BINS = 12


def raw_outcomes(folder: Path) -> list[tuple[float, bool]]:
    """(raw score, right) for every finding, with no threshold."""
    extractor = Extractor(Settings(min_confidence=0.0))
    outcomes = []
    for record in read_labels(folder):
        want = {normalize(e["value"]) for e in record["expected"]}
        result = extractor.extract_path(folder / record["file"])
        outcomes += [(f.confidence, f.normalized in want) for f in result.findings]
    return outcomes


def pool_adjacent_violators(points: list[list[float]]) -> list[list[float]]:
    """Merge neighbouring bins until accuracy never falls as the score rises."""
    merged: list[list[float]] = []  # [raw sum, right sum, count]
    for point in points:
        merged.append(point)
        while len(merged) > 1 and merged[-2][1] / merged[-2][2] > merged[-1][1] / merged[-1][2]:
            last = merged.pop()
            merged[-1] = [a + b for a, b in zip(merged[-1], last, strict=True)]
    return merged


def fit(outcomes: list[tuple[float, bool]]) -> dict[str, list[float]]:
    outcomes.sort()
    size = max(1, len(outcomes) // BINS)
    bins = [outcomes[i:i + size] for i in range(0, len(outcomes), size)]
    points = [[sum(r for r, _ in b), sum(ok for _, ok in b), len(b)] for b in bins]
    pooled = pool_adjacent_violators(points)
    raw = [0.0] + [round(s / n, 4) for s, _, n in pooled] + [1.0]
    calibrated = [0.0] + [round(k / n, 4) for _, k, n in pooled]
    calibrated.append(calibrated[-1])
    return {"raw": raw, "calibrated": calibrated}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--check-seed", type=int, default=6)
    args = parser.parse_args()
    packaged = scoring.CALIBRATION
    with tempfile.TemporaryDirectory() as tmp:
        fit_dir, check_dir = Path(tmp, "fit"), Path(tmp, "check")
        generate(fit_dir, args.count, args.seed)
        # Raw scores come out as confidences under an identity map, read from a file of its
        # own: the packaged calibration stays whole until the new one replaces it.
        scoring.CALIBRATION = Path(tmp, "identity.json")
        scoring.CALIBRATION.write_text(json.dumps({"raw": [0, 1], "calibrated": [0, 1]}))
        scoring.load_calibration.cache_clear()
        try:
            table = fit(raw_outcomes(fit_dir))
        finally:
            scoring.CALIBRATION = packaged
            scoring.load_calibration.cache_clear()
        packaged.write_text(json.dumps(table, indent=1) + "\n")
        print(f"wrote {packaged}: {len(table['raw'])} points")
        generate(check_dir, args.count // 2, args.check_seed)
        report = evaluate(Extractor(Settings()), check_dir)
        for line in report.details():
            if line.startswith("confidence"):
                print(line)
        print(report.overall.line())


if __name__ == "__main__":
    main()
