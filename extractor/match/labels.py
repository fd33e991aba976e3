"""Find label phrases in text, tolerant of case, accents, punctuation, spacing and OCR typos.

Exact matching compares *keys*: the letters, digits, '#' and '°' of consecutive tokens, folded
and run together, so "Kunden-Nr.", "kunden nr" and "KUNDENNR" are one key. A dictionary lookup
per token window keeps this fast on every page. OCR text is retried with the `regex` module's
fuzzy matching for long phrases ("Custorner No").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import regex

from extractor.match.packs import LabelSet
from extractor.text import TOKEN, fold, squashed, tokens

JOINING = r".\-_/'\u2019"  # what may join the tokens of a label, besides spaces (an apostrophe
# too, straight or curly: "N° d'abonné")
JOINER = regex.compile(rf"[ \t{JOINING}]{{0,3}}")  # between a label's tokens on one line
LONGER = 4  # characters by which a fuzzy hit must outgrow the exact hits it replaces
FUZZY_ERRORS = 2  # typos a long phrase may have (fewer in a short one: see _fuzzy_hits)
FUZZY_MIN_LETTERS = 9  # shorter phrases match exactly only: too many false friends
FUZZY_MEMO = 4096  # texts whose fuzzy hits are remembered (OCR pages are matched repeatedly)
SEPARATOR = rf"[\s{JOINING}]{{0,3}}"  # between them in a fuzzy pattern (across lines too)


@dataclass(frozen=True, slots=True)
class LabelHit:
    label: LabelSet
    start: int
    end: int
    fuzzy: bool = False


@dataclass(frozen=True, slots=True)
class _Fuzzy:
    """A long phrase to find with up to FUZZY_ERRORS typos, and parts of its key of which any
    text it is found in holds one intact: each typo damages one part at most."""

    label: LabelSet
    pattern: regex.Pattern
    pieces: tuple[str, ...]

    @classmethod
    def of(cls, phrase: str, label: LabelSet) -> _Fuzzy:
        parts = tokens(phrase)
        body = SEPARATOR.join(regex.escape(t) for t in parts)
        pattern = regex.compile(rf"(?:(?<!\p{{L}}){body}(?!\p{{L}})){{e<={FUZZY_ERRORS}}}",
                                regex.IGNORECASE | regex.BESTMATCH)
        key = "".join(parts)
        size = len(key) / (FUZZY_ERRORS + 1)
        pieces = tuple(key[round(i * size):round((i + 1) * size)]
                       for i in range(FUZZY_ERRORS + 1))
        return cls(label, pattern, pieces)


class LabelMatcher:
    """All labels of the packs; the longest phrase at a position wins."""

    def __init__(self, labels: list[LabelSet]) -> None:
        self._keys: dict[str, LabelSet] = {}
        self._prefixes: set[str] = set()  # every start of a key: a lookup stops when none fits
        self._leading: set[str] = set()  # tokens a label can go on after
        self._max_tokens = 1
        for label in labels:
            for phrase in label.phrases:
                parts = tokens(phrase)
                key = "".join(parts)
                self._keys.setdefault(key, label)
                self._prefixes.update(key[:end] for end in range(1, len(key) + 1))
                self._leading.update(parts[:-1])
                self._max_tokens = max(self._max_tokens, len(parts) + 2)
        long_phrases = {phrase: label for label in labels for phrase in label.phrases
                        if sum(c.isalpha() for c in phrase) >= FUZZY_MIN_LETTERS}
        self._fuzzy = [_Fuzzy.of(phrase, label) for phrase, label in long_phrases.items()]
        self._fuzzy_memo: dict[str, list[LabelHit]] = {}

    def may_continue(self, text: str) -> bool:
        """Could a label that starts at the end of `text` go on in the next line?"""
        tokens = TOKEN.findall(text[-24:])
        return bool(tokens) and fold(tokens[-1]) in self._leading

    def find(self, text: str, fuzzy: bool = False) -> list[LabelHit]:
        """Label hits in `text`, left to right; `fuzzy` adds OCR-tolerant hits (see `_merge`)."""
        tokens = [(m.start(), m.end(), fold(m.group())) for m in TOKEN.finditer(text)]
        hits: list[LabelHit] = []
        index = 0
        while index < len(tokens):
            hit = self._longest_at(text, tokens, index)
            if hit is None:
                index += 1
                continue
            label, width = hit
            hits.append(LabelHit(label, tokens[index][0], tokens[index + width - 1][1]))
            index += width
        if fuzzy:
            hits = _merge(hits, self._remembered_fuzzy_hits(text))
        return hits

    def leads(self, text: str) -> bool:
        """Does `text` start with a label (what `find` would hit at its first character)?"""
        tokens = [(m.start(), m.end(), fold(m.group()))
                  for m in itertools.islice(TOKEN.finditer(text), self._max_tokens)]
        return bool(tokens) and tokens[0][0] == 0 and self._longest_at(text, tokens, 0) is not None

    def _longest_at(self, text: str, tokens: list, index: int) -> tuple[LabelSet, int] | None:
        key = ""
        found = None
        for width in range(1, min(self._max_tokens, len(tokens) - index) + 1):
            start, _, folded = tokens[index + width - 1]
            if width > 1 and not JOINER.fullmatch(text, tokens[index + width - 2][1], start):
                break
            key += folded
            if key not in self._prefixes:
                break
            label = self._keys.get(key)
            if label is not None:
                found = (label, width)
        return found

    def _remembered_fuzzy_hits(self, text: str) -> list[LabelHit]:
        """`_fuzzy_hits`, kept by text: the fuzzy regex is slow."""
        if text not in self._fuzzy_memo:
            if len(self._fuzzy_memo) >= FUZZY_MEMO:
                self._fuzzy_memo.clear()
            self._fuzzy_memo[text] = self._fuzzy_hits(text)
        return self._fuzzy_memo[text]

    def _fuzzy_hits(self, text: str) -> list[LabelHit]:
        """Long phrases within a few typos, as whole words, not in an e-mail address; where two
        overlap, the one with fewer typos (then the first, then the longer)."""
        letters = squashed(text)
        found = []
        for fuzzy in self._fuzzy:
            if not any(piece in letters for piece in fuzzy.pieces):
                continue  # too far from the phrase: the regex would try every position
            for match in fuzzy.pattern.finditer(text):
                start, end = match.span()
                errors = sum(match.fuzzy_counts)
                if errors > max(1, sum(c.isalpha() for c in match.group()) // 5) \
                        or _reworded(match):
                    continue
                if text[start - 1:start].isalpha() or text[end:end + 1].isalpha():
                    continue
                if text[end:end + 1] in ("@", ".") and text[end + 1:end + 2].isalnum():
                    continue  # part of an e-mail address or a domain
                found.append((errors, start, start - end, fuzzy.label))
        hits: list[LabelHit] = []
        for _errors, start, shorter, label in sorted(found, key=lambda f: f[:3]):
            end = start - shorter
            if all(end <= hit.start or hit.end <= start for hit in hits):
                hits.append(LabelHit(label, start, end, fuzzy=True))
        return sorted(hits, key=lambda hit: hit.start)


def _reworded(match: regex.Match) -> bool:
    """Do the typos change a word rather than damage it ("del cliente" is not "cod cliente")?
    A word may take one typo per three letters, and a short word one at most."""
    changes = [at for kind in match.fuzzy_changes for at in kind]
    start = match.start()
    return any(
        sum(start + token.start() <= at < start + token.end() for at in changes)
        > max(1, len(token.group()) // 3)
        for token in TOKEN.finditer(match.group()))


def _merge(exact: list[LabelHit], fuzzy: list[LabelHit]) -> list[LabelHit]:
    """Exact hits, and fuzzy ones where none was. A fuzzy hit clearly longer than the exact hits
    it overlaps replaces them: OCR damage in "Atenciön al cliente" leaves "cliente" exact."""
    kept = list(exact)
    for hit in fuzzy:
        over = [h for h in kept if h.start < hit.end and hit.start < h.end]
        if not over:
            kept.append(hit)
        elif all(hit.end - hit.start >= h.end - h.start + LONGER for h in over):
            kept = [h for h in kept if h not in over] + [hit]
    return sorted(kept, key=lambda h: h.start)
