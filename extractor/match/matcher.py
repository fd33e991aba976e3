"""Match stage: pages of words in, scored findings out. Knows no single label or issuer."""

from __future__ import annotations

import math
from collections.abc import Collection

from extractor.document.page import Page
from extractor.document.result import Finding
from extractor.match.labels import LabelMatcher
from extractor.match.packs import IssuerProfile, Packs
from extractor.match.pairing import MAX_BELOW, candidates, column_below
from extractor.match.scoring import Scored, score
from extractor.match.spots import WEAK, Spot, find_spots
from extractor.match.values import ValueJudge, normalize
from extractor.text import folded_phrase

SURELY_READ = 0.9  # OCR confidence of words that a closer reading reads the same
RIVAL = 0.85  # a second, different value of the same kind is less likely right
RIGHT_FIRST = 0.3  # a value right of its label at least this plausible beats one below it
SNIPPET = 160


class Matcher:
    """The packs compiled once; `match` runs them over pages."""

    def __init__(self, packs: Packs, min_confidence: float) -> None:
        self.packs = packs
        self.labels = LabelMatcher(packs.labels)
        self.judge = ValueJudge(packs)
        self.contexts = {name: [folded_phrase(p) for p in phrases]
                         for name, phrases in packs.context.items()}
        self.min_confidence = min_confidence

    def may_match(self, text: str) -> bool:
        """Cheap test on a page's plain text: is there any customer or account label at all?"""
        return any(hit.label.kind != "negative" for hit in self.labels.find(text))

    def _answers(self, page: Page, profile: IssuerProfile | None,
                 statement: bool = False) -> list[tuple[Spot, Scored | None]]:
        """Each customer or account label of the page with its best value (None: no value).
        On a `statement` (a bank's or card's) the account beside bank words is the customer's."""
        spots, lines = find_spots(page, self.labels)
        taken = {id(w): spot for spot in spots for w in spot.words}
        answers: list[tuple[Spot, Scored | None]] = []
        for spot in spots:
            if spot.label.kind == "negative":
                continue
            scored = [score(c, page, self.judge, self.contexts, profile, statement)
                      for c in candidates(spot, lines, taken, self.judge)]
            best = _preferred(scored) if scored else None
            answers.append((spot, best))
            if statement and best is not None and best.candidate.placement == "below":
                # a statement's table of accounts: every row's account is the customer's
                answers += [(spot, score(c, page, self.judge, self.contexts, profile, statement))
                            for c in column_below(best.candidate, lines, taken, self.judge)]
        return answers

    def page_candidates(self, page: Page, profile: IssuerProfile | None,
                        statement: bool = False) -> list[Scored]:
        return [best for _, best in self._answers(page, profile, statement) if best is not None]

    def _strong(self, page: Page,
                profile: IssuerProfile | None) -> list[tuple[Spot, Scored | None]]:
        """The answers of the strong labels (not weak headers like "Client")."""
        return [(spot, best) for spot, best in self._answers(page, profile)
                if spot.label.strength >= WEAK]

    def doubtful(self, page: Page, profile: IssuerProfile | None, sure: float,
                 settled: Collection[str] = ()) -> list[Spot]:
        """The strong labels of the page whose value a closer reading may change: none was
        read, or none at least `sure` where the value or the label was read with doubt (words
        read surely read the same again); but for labels of the kinds `settled` (a number of
        that kind was found surely elsewhere)."""
        return [spot for spot, best in self._strong(page, profile)
                if spot.label.kind not in settled
                and (best is None or (best.confidence < sure and not _read_surely(spot, best)))]

    def unanswered(self, pages: list[Page], profile: IssuerProfile | None,
                   unread: float = math.inf) -> bool:
        """Is a strong label left without a value where its value may still be read? On page
        1, the rows from `unread` points down are not read yet: a label whose value would sit
        above them (see pairing) had it read, if there is one."""
        return any(best is None and (page.number != 1 or _lowest_value(spot) >= unread)
                   for page in pages for spot, best in self._strong(page, profile))

    def match(self, pages: list[Page], profile: IssuerProfile | None = None,
              statement: bool = False) -> list[Finding]:
        """Findings of a document: one per (kind, normalized value), best evidence kept."""
        scored = [(page, s) for page in pages
                  for s in self.page_candidates(page, profile, statement)]
        by_value: dict[str, tuple[Page, Scored]] = {}
        for page, item in scored:
            key = normalize(item.candidate.value)
            if key not in by_value or item.raw > by_value[key][1].raw:
                by_value[key] = (page, item)
        findings = [_finding(page, item) for page, item in by_value.values()]
        findings.sort(key=lambda f: -f.confidence)
        seen_kinds: set[str] = set()
        for finding in findings:
            if finding.kind in seen_kinds:
                finding.confidence = round(finding.confidence * RIVAL, 3)
            seen_kinds.add(finding.kind)
        return [f for f in findings if f.confidence >= self.min_confidence]


def _preferred(scored: list[Scored]) -> Scored:
    """One value per label: the value right of it when that one is plausible, else the best."""
    right = [s for s in scored if s.candidate.placement in ("right", "right_far")]
    if right and right[0].raw >= RIGHT_FIRST:
        return right[0]
    return max(scored, key=lambda s: s.raw)


def _finding(page: Page, item: Scored) -> Finding:
    candidate = item.candidate
    spot = candidate.spot
    words = candidate.words
    lines = sorted({w.line for w in spot.words + words})
    snippet = " ".join(w.text for w in page.words if w.line in lines)
    return Finding(
        kind=spot.label.kind,
        value=candidate.value,
        normalized=normalize(candidate.value),
        label=spot.printed,
        page=page.number,
        bbox=[round(v, 1) for v in (min(w.x0 for w in words), min(w.top for w in words),
                                    max(w.x1 for w in words), max(w.bottom for w in words))],
        confidence=item.confidence,
        pattern=spot.label.id,
        snippet=snippet[:SNIPPET],
        part=page.part or None,
    )


def _read_surely(spot: Spot, best: Scored) -> bool:
    return min(w.conf for w in spot.words + best.candidate.words) >= SURELY_READ


def _lowest_value(spot: Spot) -> float:
    """How far down (points) a value of the label's may reach: in a cell below it."""
    height = spot.box[3] - spot.box[1]
    return spot.box[3] + (MAX_BELOW + 1) * height
