"""Who issued the document.

In order of trust: an issuer profile of the packs (keywords, domains); the email sender;
a company name at the top of page 1 that a printed web or email domain confirms; the most
prominent line at the top of page 1; a line carrying a legal form (GmbH, B.V., Ltd); a domain.
"""

from __future__ import annotations

import regex

from extractor.labels import TOKEN, LabelMatcher, fold
from extractor.models import Issuer, Page
from extractor.packs import IssuerProfile, Packs
from extractor.scoring import folded_phrase

DOMAIN = regex.compile(r"(?:www\.|@|https?://)((?:[a-z0-9-]+\.)*?([a-z0-9-]+)\.[a-z]{2,6})"
                       r"(?![a-z0-9-])", regex.IGNORECASE)
EDGE_JUNK = regex.compile(r"^[^\p{L}\p{N}(]+|[^\p{L}\p{N}).]+$")  # "_| ACME Ltd" (OCR), "ACME -"
TOP_SHARE = 0.3  # the prominent name is looked for in this top share of page 1
PROFILE, SENDER, CONFIRMED, PROMINENT, LEGAL_FORM, PRINTED_DOMAIN = 0.95, 0.9, 0.85, 0.6, 0.5, 0.4
GENERIC_DOMAINS = {"gmail", "yahoo", "hotmail", "outlook", "example", "gmx", "web", "icloud",
                   "googlemail", "live", "aol", "mail", "email", "t-online", "orange", "free",
                   "tcpdf"}  # mail providers, and a PDF library that signs its output
MIN_SQUASHED = 4  # a name run together ("northwindenergy") must be this long to be found in another


def _tokens(text: str) -> list[str]:
    return [fold(t) for t in TOKEN.findall(text)]


def _squash(text: str) -> str:
    return "".join(folded_phrase(text).split())


class IssuerFinder:
    def __init__(self, packs: Packs, labels: LabelMatcher) -> None:
        self._profiles = [
            (profile, [folded_phrase(k) for k in profile.keywords],
             [d.lower() for d in profile.domains])
            for profile in packs.issuers
        ]
        forms = sorted(packs.context.get("company_forms", []), key=len, reverse=True)
        body = "|".join(r"[\s.]*".join(regex.escape(t) for t in regex.split(r"[\s.]+", f) if t)
                        for f in forms)
        self._forms = regex.compile(rf"(?<!\p{{L}})(?:{body})\.?(?!\p{{L}})", regex.IGNORECASE)
        self._titles = [folded_phrase(p) for words in packs.document_kinds.values() for p in words]
        self._labels = labels
        self._form_tokens = sorted({tuple(_tokens(f)) for f in forms}, key=len, reverse=True)
        self._filler = {fold(w) for w in packs.context.get("issuer_filler", [])}

    def words(self, name: str) -> list[str]:
        """The distinctive words of a company name: folded, without legal forms and filler."""
        tokens, out = _tokens(name), []
        while tokens:
            form = next((f for f in self._form_tokens if tuple(tokens[:len(f)]) == f), None)
            if form:
                del tokens[:len(form)]
            else:
                word = tokens.pop(0)
                if word not in self._filler:
                    out.append(word)
        return out

    def same(self, one: str, other: str) -> bool:
        """Do two names mean one company: equal distinctive words, or one's words within the
        other's ("Wells Fargo" and "Wells Fargo Bank, N.A."; "AnyCompany", "Any Company Inc")?"""
        a, b = self.words(one), self.words(other)
        if not a or not b:
            return False
        if set(a) <= set(b) or set(b) <= set(a):
            return True
        short, long = sorted(("".join(a), "".join(b)), key=len)
        return len(short) >= MIN_SQUASHED and short in long

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

    def find(self, text: str, first: Page | None, profile: IssuerProfile | None,
             sender: str = "") -> Issuer | None:
        """The issuer with a confidence; `sender` is an email's display name or domain."""
        if profile is not None:
            return Issuer(name=profile.name, confidence=PROFILE)
        if sender:
            return Issuer(name=sender, confidence=SENDER)
        domains = [m for m in DOMAIN.finditer(text) if m[2].lower() not in GENERIC_DOMAINS]
        lines = self._top_lines(first) if first is not None else []
        company_lines = self._company_lines(first) if first is not None else []
        for line in lines + company_lines:
            if any(_squash(m[2]) and _squash(m[2]) in _squash(line) for m in domains):
                return Issuer(name=line, confidence=CONFIRMED)
        if lines:
            return Issuer(name=lines[0], confidence=PROMINENT)
        if company_lines:
            return Issuer(name=company_lines[0], confidence=LEGAL_FORM)
        if domains:
            return Issuer(name=domains[0][1].lower().removeprefix("www."),
                          confidence=PRINTED_DOMAIN)
        return None

    def _name(self, text: str) -> str:
        """A line without web addresses and titles ("Amazon Web Services Invoice" -> company)."""
        words = [w for w in text.split() if not DOMAIN.search(w)]
        while words and folded_phrase(words[-1]) in self._titles:
            words.pop()
        while words and folded_phrase(words[0]) in self._titles:
            words.pop(0)
        return EDGE_JUNK.sub("", " ".join(words))[:80]

    def _usable(self, name: str) -> bool:
        letters = sum(c.isalpha() for c in name)
        digits = sum(c.isdigit() for c in name)
        return letters >= 3 and digits * 2 < letters and not self._labels.find(name)

    def _top_lines(self, page: Page) -> list[str]:
        """Lines near the top, largest font first, when their font stands out from the body."""
        sizes = sorted(w.size for w in page.words)
        body = sizes[len(sizes) // 2] if sizes else 0.0
        top = [line for line in page.lines if line[0].top < page.height * TOP_SHARE]
        ranked = sorted(top, key=lambda line: (-max(w.size for w in line), line[0].top))
        names = []
        for line in ranked:
            if max(w.size for w in line) < body * 1.15:
                break
            name = self._name(" ".join(w.text for w in line))
            if self._usable(name):
                names.append(name)
        return names

    def _company_lines(self, page: Page) -> list[str]:
        """Company names (text up to a legal form such as "GmbH"), most often printed first."""
        counts: dict[str, int] = {}
        for line in page.lines:
            text = " ".join(w.text for w in line)
            match = self._forms.search(text)
            name = self._name(text[:match.end()]) if match and match.start() > 0 else ""
            if name and self._usable(name):
                counts[name] = counts.get(name, 0) + 1
        return sorted(counts, key=lambda name: -counts[name])
