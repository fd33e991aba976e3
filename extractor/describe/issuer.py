"""Who issued the document.

In order of trust: an issuer profile of the packs (keywords, domains); the email sender; the
best-weighed name of page 1, whose cues add up: after an issuer cue ("Sold by", "Make checks
payable to", "Verkäufer"), a legal form (GmbH, B.V., Ltd), the first part of a one-line return
address, confirmed by a printed web or email domain, near the top, in a large font, printed
again elsewhere; last a printed domain. Headings and captions (words such as "your", "summary")
and the holder's name block are never a name unless a strong cue says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import regex

from extractor.document.page import Page
from extractor.document.result import Issuer
from extractor.document.word import Word
from extractor.match.labels import LabelMatcher
from extractor.match.packs import IssuerProfile, Packs
from extractor.read.mail import GENERIC_DOMAINS
from extractor.text import fold, folded_phrase, squashed, tokens

# A printed domain and its core ("glasgow" of "www.glasgow.co.uk", "acme" of "mail.acme.com")
DOMAIN = regex.compile(r"(?:www\.|@|https?://)((?:[a-z0-9-]+\.)*?([a-z0-9-]+)"
                       r"(?:\.(?:co|com|org|net|ac|gov|or|ne))?\.[a-z]{2,6})(?![a-z0-9-]|\.[a-z])",
                       regex.IGNORECASE)
EDGE_JUNK = regex.compile(r"^[^\p{L}\p{N}(]+|[^\p{L}\p{N}).]+$")  # "_| ACME Ltd" (OCR), "ACME -"
SEPARATORS = regex.compile(r"\s+[|·•]\s+|\s+-\s+|\s*·\s*|\s*•\s*|\s*\|\s*")
TLD = regex.compile(r"(?<=[\p{L}\d])\.[a-z]{2,6}(?![\p{L}.])", regex.IGNORECASE)  # "acme.com"
# "Winter Haven, FL 33883", "D-10115 Berlin", "75008 Paris": a postal code and its city
POSTAL = regex.compile(r"\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b|(?:^|\s)(?:[A-Z]{1,2}-)?\d{4,5}\s+\p{Lu}")
COMPOUND_MIN = 4  # address words this long also end a compound ("Musterstrasse", "Hoofdstraat")
YEARS = regex.compile(r"^(?:\d{4}(?:\s*[-\u2013]\s*\d{4})?\s*)")  # "© 2019-2024 ACME"
TOP_SHARE = 0.3  # names nearer the top of page 1 than this share of it weigh more
PROFILE, SENDER, PRINTED_DOMAIN = 0.95, 0.9, 0.4
# What each cue adds to a name's score
CUES = {"cue": 1.5, "form": 1.0, "sender": 1.5}
DOMAIN_CONFIRMS, TOP, PROMINENT_MAX, REPEATED = 1.5, 1.0, 1.0, 0.5
MIN_SCORE = 0.8  # a name weighing less is not reported
MAX_NAME_WORDS = 7
SURE_WORD = 0.6  # an OCR word read less surely does not start a name on a weak cue
MIN_SQUASHED = 4  # a name run together ("northwindenergy") must be this long to be found in another


@dataclass(slots=True)
class Name:
    text: str
    score: float
    order: int  # the first seen wins a tie


def _confidence(score: float) -> float:
    """Calibrated by eye on the generated and real corpora: one weak cue about 0.5, three
    agreeing cues about 0.9."""
    return round(min(0.92, 0.35 + 0.14 * score), 2)


def _below(segment: list[Word], rows: list[list[list[Word]]]) -> list[Word] | None:
    """The segment of the next line starting at (about) the same x."""
    x0, height = segment[0].x0, segment[0].height
    for row in rows:
        for other in row:
            if abs(other[0].x0 - x0) <= 2 * height:
                return other
    return None


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
        self._forms_at: dict[str, list[tuple[str, ...]]] = {}  # by first token, longest first
        for form in sorted({tuple(tokens(f)) for f in forms}, key=len, reverse=True):
            if form:
                self._forms_at.setdefault(form[0], []).append(form)
        self._filler = {fold(w) for w in packs.context.get("issuer_filler", [])}
        self._not_names = {fold(w) for w in packs.context.get("not_name_words", [])}
        streets = {folded_phrase(w) for w in packs.context.get("address_words", [])} - {"  "}
        self._streets = regex.compile(
            "|".join(regex.escape(w) for w in sorted(streets, key=len, reverse=True)))
        self._street_ends = tuple(w.strip() for w in streets
                                  if " " not in w.strip() and len(w.strip()) >= COMPOUND_MIN)
        cues = sorted({folded_phrase(c).strip() for c in packs.context.get("issuer_cues", [])},
                      key=len, reverse=True)
        self._cue = regex.compile(rf" (?:{'|'.join(map(regex.escape, cues))}) ")

    def words(self, name: str) -> list[str]:
        """The distinctive words of a company name: folded, without legal forms and filler."""
        parts, out = tokens(TLD.sub("", name)), []
        while parts:
            form = next((f for f in self._forms_at.get(parts[0], ())
                         if tuple(parts[:len(f)]) == f), None)
            if form:
                del parts[:len(form)]
            else:
                word = parts.pop(0)
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
             sender: str = "", holder_words: frozenset[int] = frozenset(),
             sender_domain: str = "") -> Issuer | None:
        """The issuer with a confidence and its domain; `sender` is an email's display name or
        domain, `holder_words` the ids of page 1's words in the holder's name block."""
        domains = [m for m in DOMAIN.finditer(text) if m[2].lower() not in GENERIC_DOMAINS]
        printed = [m[1].lower().removeprefix("www.") for m in domains]
        if profile is not None:
            own = [d for d in printed
                   if any(d == o or d.endswith("." + o) for o in profile.domains)]
            return Issuer(name=profile.name, confidence=PROFILE,
                          domain=(own or profile.domains or [sender_domain or None])[0])
        if sender:
            return Issuer(name=sender, confidence=SENDER, domain=sender_domain or None)
        cores = {squashed(m[2]) for m in domains} - {""}
        names: dict[str, Name] = {}
        if first is not None:
            sizes = sorted(w.size for w in first.words)
            body = sizes[len(sizes) // 2] if sizes else 0.0
            for raw, word, cues in self._candidates(first, holder_words):
                self._weigh(names, raw, word, first.height * TOP_SHARE, body, cues, cores)
        folded = folded_phrase(text)
        for name in names.values():  # the same name in a footer, a remittance line, a domain
            name.score += REPEATED * (min(folded.count(folded_phrase(name.text)), 3) - 1)
        best = max(names.values(), key=lambda n: (n.score, -n.order), default=None)
        if best is not None and best.score >= MIN_SCORE:
            run = squashed(best.text)
            own = [d for d, m in zip(printed, domains, strict=True)
                   if (core := squashed(m[2])) in run or run in core]
            return Issuer(name=best.text, confidence=_confidence(best.score),
                          domain=own[0] if own else None)
        if printed:
            return Issuer(name=printed[0], confidence=PRINTED_DOMAIN, domain=printed[0])
        return None

    def _candidates(self, page: Page, holder_words: frozenset[int]
                    ) -> Iterator[tuple[str, Word, set[str]]]:
        """Parts of page 1's segments that may be the issuer's name, each with its cues:
        "cue" (after "Sold by", "Make checks payable to"...), "form" (a legal form), "sender"
        (the first part of a one-line return address "ACME · Street 1 · City")."""
        rows = page.rows
        for index, row in enumerate(rows):
            for segment in row:
                if any(id(w) in holder_words for w in segment):
                    continue
                text = " ".join(w.text for w in segment).replace("©", "© ")
                cue = self._cue.match(folded_phrase(text.replace("©", "copyright")))
                if cue:
                    rest = self._after_cue(text, cue.group().split())
                    if rest:
                        yield rest, segment[0], {"cue"}
                    else:
                        below = _below(segment, rows[index + 1:index + 2])
                        if below:
                            yield " ".join(w.text for w in below), below[0], {"cue"}
                    continue
                parts = [p.strip() for p in SEPARATORS.split(text) if p.strip()]
                for number, part in enumerate(parts):
                    cues = {"sender"} if number == 0 and len(parts) >= 3 else set()
                    match = self._forms.search(part)
                    if match and match.start() > 0:
                        yield part[:match.end()], segment[0], cues | {"form"}
                    else:
                        yield part, segment[0], cues

    def _after_cue(self, text: str, cue_tokens: list[str]) -> str:
        """The name after the cue's words on the line, up to its legal form or a comma
        ("Sold By : ACME Ltd., Warehouse..." -> "ACME Ltd.", "© 2024 ACME. All rights...")."""
        words = text.split()
        taken, count = 0, 0
        while count < len(words) and taken < len(cue_tokens):
            taken += len(tokens(words[count])) or (words[count] == "©")
            count += 1
        rest = YEARS.sub("", " ".join(words[count:]).strip(" :,;-"))
        form = self._forms.search(rest)
        end = form.end() if form and form.start() > 0 else len(regex.split(r"[,;]|\.\s", rest)[0])
        return rest[:end].strip(" :,;-")

    def _weigh(self, names: dict[str, Name], raw: str, word: Word, top: float, body: float,
               cues: set[str], cores: set[str]) -> None:
        """Score one candidate and keep the best score per name (by its distinctive words);
        `top` is the height of page 1's top part, `body` its median font size."""
        text = self._name(raw)
        if len(text.split()) > MAX_NAME_WORDS:
            return
        key = "".join(self.words(text))
        if len(key) < 2:
            return
        run = squashed(text)
        confirmed = any(core in run or (len(run) >= MIN_SQUASHED and run in core)
                        for core in cores)
        strong = confirmed or cues & {"cue", "form"}
        if not strong and (set(tokens(text)) & self._not_names or not text[0].isupper()
                           or word.conf < SURE_WORD):
            return
        if not self._usable(text):  # last: it looks for labels, the slowest test
            return
        score = sum(CUES[c] for c in cues) + (DOMAIN_CONFIRMS if confirmed else 0.0)
        if word.top < top:
            score += TOP * (1 - word.top / top)
        if body and word.size >= body * 1.15:
            score += min(PROMINENT_MAX, (word.size / body - 1) * 2)
        known = names.get(key)
        if known is None or score > known.score:
            names[key] = Name(text, score, known.order if known else len(names))

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
        # a label leads a field ("Name: ...", "Bank: ..."); inside a name it is a word of it
        # ("Veron Mobile SA")
        return (letters >= 3 and digits * 2 < letters and not self._address(name, digits)
                and not self._labels.leads(name))

    def _address(self, text: str, digits: int) -> bool:
        """A street, box or postal-code line ("Musterstrasse 7", "PO Box 1200", "Winter Haven,
        FL 33883"): part of an address, never a company's name."""
        if POSTAL.search(text):
            return True
        if not digits:
            return False
        phrase = folded_phrase(text)
        return bool(self._streets.search(phrase)) or any(
            token.endswith(self._street_ends) for token in phrase.split())
