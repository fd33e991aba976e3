"""Deterministic generator of labeled invoices, bills and statements as text-layer PDFs.

    python -m samples.generator OUT --count N --seed S

writes OUT/doc-00001.pdf ... and OUT/labels.jsonl, one JSON object per document:
`{"file", "expected": [{"kind", "value"}], "family", "language", "issuer", "document_date"}`.
`expected` lists every customer-type number printed on the document, exactly as printed; it is
empty on negatives. `issuer` is the name printed as the issuer's, `document_date` the ISO date
of the document (its invoice or bill date, not the due date or the period), null when the
layout printed none.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from samples.doc import Doc
from samples.layouts import FAMILIES
from samples.sheet import Sheet

LANGUAGES = ("en", "de", "fr", "nl", "es", "it")
NEGATIVES_PER_BLOCK = 3  # of every len(FAMILIES) documents
SHOWCASE_SEED = 2024
NUMBER = re.compile(r"\d+(?:[.,/:\-]\d+)*")


def plan(count: int, seed: int) -> list[tuple[str, str, bool]]:
    """Family, language and negative flag per document.

    Each block of 12 documents has every family once, every language twice and 3 negatives,
    in a seeded random order.
    """
    rng, block = random.Random(seed), len(FAMILIES)
    out: list[tuple[str, str, bool]] = []
    while len(out) < count:
        families = rng.sample(list(FAMILIES), block)
        languages = rng.sample(LANGUAGES * (block // len(LANGUAGES)), block)
        negatives = set(rng.sample(range(block), NEGATIVES_PER_BLOCK))
        out += [(f, lang, i in negatives)
                for i, (f, lang) in enumerate(zip(families, languages, strict=True))]
    return out[:count]


def occurrences(text: str, value: str) -> int:
    """How often `value` stands in `text` as a number of its own (not inside another one)."""
    core = value.lstrip("#")
    if NUMBER.fullmatch(core):
        return NUMBER.findall(text).count(core)
    return len(re.findall(rf"(?<!\w){re.escape(value)}(?!\w)", text))


def clean(doc: Doc, texts: list[str]) -> bool:
    """Every customer number was printed, and no other number on the page equals it."""
    text = "\n".join(texts)
    printed = all(doc.printed[i.value] for i in doc.ids)
    return printed and all(occurrences(text, v) == n for v, n in doc.printed.items())


def render(seed: int, index: int, family: str, language: str,
           negative: bool) -> tuple[bytes, Doc, str]:
    """One document's PDF bytes, content and text; redrawn while a layout check fails."""
    rng = random.Random(f"{seed}/{index}")
    for _ in range(100):
        doc = Doc(rng, family, language, negative)
        sheet = Sheet(rng, doc.loc.letter)
        FAMILIES[family](sheet, doc)
        if not sheet.overflow and clean(doc, sheet.texts):
            return sheet.pdf(), doc, "\n".join(sheet.texts)
    raise RuntimeError(f"document {index} ({family}, {language}) failed its checks")


def generate(out_dir: Path, count: int, seed: int) -> list[dict]:
    """Write `count` PDFs (doc-00001.pdf, ...) and out_dir/labels.jsonl; return the records."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    records = []
    for index, (family, language, negative) in enumerate(plan(count, seed), 1):
        pdf, doc, text = render(seed, index, family, language, negative)
        name = f"doc-{index:05d}.pdf"
        (out_dir / name).write_bytes(pdf)
        expected = [{"kind": i.kind, "value": i.value} for i in doc.ids]
        records.append({"file": name, "expected": expected, "family": family,
                        "language": language, "issuer": doc.issuer.party.name,
                        # a layout that prints no date of issue leaves the document undated
                        "document_date": doc.when.isoformat() if doc.dated(text) else None})
    write_labels(out_dir, records)
    return records


def write_labels(out_dir: Path, records: list[dict]) -> None:
    """The corpus's labels.jsonl: one record a line, as `custid eval` reads it."""
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (out_dir / "labels.jsonl").write_text(lines, encoding="utf-8")


def write_showcase(out_dir: Path) -> list[dict]:
    """The committed samples: one document of each family, all languages, three negatives."""
    return generate(out_dir, len(FAMILIES), SHOWCASE_SEED)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m samples.generator", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="output directory")
    parser.add_argument("--count", type=int, default=100, help="number of documents")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--showcase", action="store_true",
                        help="write the 12-document showcase (ignores --count and --seed)")
    args = parser.parse_args(argv)
    records = write_showcase(args.out) if args.showcase else generate(args.out, args.count,
                                                                      args.seed)
    negatives = sum(not r["expected"] for r in records)
    print(f"wrote {len(records)} documents ({negatives} negatives) to {args.out}")


if __name__ == "__main__":
    main()
