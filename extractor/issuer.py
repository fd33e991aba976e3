"""Who issued the document: an issuer profile, else the most prominent text or a printed domain."""

from __future__ import annotations

import regex

from extractor.labels import LabelMatcher
from extractor.layout import lines_of
from extractor.models import Issuer, Page
from extractor.packs import IssuerProfile, Packs
from extractor.scoring import folded_phrase

DOMAIN = regex.compile(r"(?:www\.|@)((?:[a-z0-9-]+\.)*([a-z0-9-]+)\.[a-z]{2,6})(?![a-z0-9-])",
                       regex.IGNORECASE)
TOP_SHARE = 0.3  # the prominent name is looked for in this top share of page 1
PROFILE, PROMINENT, PRINTED_DOMAIN = 0.95, 0.6, 0.45
GENERIC_DOMAINS = {"gmail", "yahoo", "hotmail", "outlook", "example", "gmx", "web", "icloud"}


class IssuerFinder:
    def __init__(self, packs: Packs, labels: LabelMatcher) -> None:
        self._profiles = [
            (profile, [folded_phrase(k) for k in profile.keywords],
             [d.lower() for d in profile.domains])
            for profile in packs.issuers
        ]
        self._labels = labels

    def profile(self, text: str, sender_domain: str = "") -> IssuerProfile | None:
        """The issuer profile whose keywords or domains the document carries."""
        folded = folded_phrase(text)
        domains = {m[1].lower() for m in DOMAIN.finditer(text)} | {sender_domain.lower()}
        for profile, keywords, own in self._profiles:
            if any(k in folded for k in keywords):
                return profile
            if any(d == o or d.endswith("." + o) for d in domains for o in own if d):
                return profile
        return None

    def find(self, text: str, first: Page | None, profile: IssuerProfile | None) -> Issuer | None:
        if profile is not None:
            return Issuer(name=profile.name, confidence=PROFILE)
        name = self._prominent(first) if first is not None else None
        if name:
            return Issuer(name=name, confidence=PROMINENT)
        for match in DOMAIN.finditer(text):
            if match[2].lower() not in GENERIC_DOMAINS:
                return Issuer(name=match[1].lower(), confidence=PRINTED_DOMAIN)
        return None

    def _prominent(self, page: Page) -> str | None:
        """The line in the largest font near the top, unless it is a title such as "Invoice"."""
        top = [line for line in lines_of(page.words) if line[0].top < page.height * TOP_SHARE]
        ranked = sorted(top, key=lambda line: -max(w.size for w in line))
        for line in ranked[:3]:
            text = " ".join(w.text for w in line).strip()
            letters = sum(c.isalpha() for c in text)
            hits = self._labels.find(text)
            if letters >= 3 and not (hits and hits[0].end - hits[0].start >= len(text) - 2):
                return text[:80]
        return None
