"""Second looks at the values on an OCR'd page, while its image is still at hand.

Confusable letters inside a run of digits (O/0, I/l/1, S/5, B/8, Z/2), and an O before the
counter after a prefix of letters, become digits where that gives the value no worse a shape; a
value read with low confidence is read again on its own, as one line of only the characters its
shape allows (and the letter its first digit may be), and the new reading is kept if it is sure,
surer than the first, and not a part of it; one that disagrees and is less sure leaves the first
reading as unsure as itself.
"""

from __future__ import annotations

import regex

from extractor.document.page import Page
from extractor.document.readout import Reread
from extractor.document.word import Word
from extractor.match.matcher import Matcher
from extractor.match.packs import REGEX_TIMEOUT, ValueShape
from extractor.match.pairing import Candidate
from extractor.match.values import clean, normalize
from extractor.text import CONFUSABLE_RUN, LETTERS_FOR, digits_for_confusables

REREAD_BELOW = 0.8  # values read less surely than this are read again
REREAD_KEEPS = 0.75  # of the letters and digits first read: a re-read with fewer lost some
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ#-./"  # what a re-read may be restricted to


def _weak(word: Word) -> bool:
    """Could this word be part of a value that needs a second look?"""
    return any(c.isdigit() for c in word.text) and (
        word.conf < REREAD_BELOW or CONFUSABLE_RUN.search(word.text) is not None)


def _characters(words: list[Word]) -> int:
    return sum(c.isalnum() for w in words for c in w.text)


def _value(words: list[Word]) -> str:
    return " ".join(clean(w.text) for w in words)


def alphabet(shape: ValueShape, value: str) -> str:
    """Characters the shape allows somewhere along `value` (never a space: Tesseract splits)."""
    pattern = regex.compile(shape.regex, regex.IGNORECASE)
    return "".join(
        c for c in ALPHABET
        if any(pattern.fullmatch(value[:i] + c, partial=True, timeout=REGEX_TIMEOUT)
               for i in range(len(value) + 1))
    )


class Refiner:
    """Refines the values the matcher would pair on a page; callable as the read stage's hook."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher

    def __call__(self, page: Page, reread: Reread) -> None:
        if not any(_weak(w) for w in page.words):
            return  # nothing a second look could change: spare the matcher a pass
        for scored in self.matcher.page_candidates(page, None):
            candidate = scored.candidate
            if any(w is v for w in candidate.words for v in candidate.spot.words):
                continue  # the value is glued to its label ("Cust#58213"): no box of its own
            self._fix_confusables(candidate)
            if min(w.conf for w in candidate.words) < REREAD_BELOW:
                self._reread(page, candidate, reread)

    def _score(self, value: str) -> float:
        shape = self.matcher.judge.shape(value)
        return shape.score if shape else 0.0

    def _fix_confusables(self, candidate: Candidate) -> None:
        texts = [digits_for_confusables(w.text) for w in candidate.words]
        fixed = " ".join(clean(t) for t in texts)
        before, after = self._score(candidate.value), self._score(fixed)
        if fixed != candidate.value and after > 0 and after >= before:  # never a worse shape
            for word, text in zip(candidate.words, texts, strict=True):
                word.text = text

    def _alphabet(self, shape: ValueShape, value: str) -> str:
        """What a re-read of `value` may read: the characters its shape allows, and the letter
        its first digit may have been, if that gives a value of a known shape ("057921" for
        "D57921": a re-read restricted to digits could not tell)."""
        allowed = alphabet(shape, value)
        letters = [letter for letter in LETTERS_FOR.get(value[:1], "")
                   if self.matcher.judge.shape(letter + value[1:]) is not None]
        return "".join(c for c in ALPHABET if c in allowed or c in letters)

    def _reread(self, page: Page, candidate: Candidate, reread: Reread) -> None:
        words = candidate.words
        value = _value(words)
        shape = self.matcher.judge.shape(value)
        present = {id(w) for w in page.words}
        if shape is None or not all(id(w) in present for w in words):
            return  # no shape to read it as, or already read again for another label
        box = (min(w.x0 for w in words), min(w.top for w in words),
               max(w.x1 for w in words), max(w.bottom for w in words))
        again = reread(box, self._alphabet(shape, value))
        if not again:
            return
        first, second = min(w.conf for w in words), min(w.conf for w in again)
        if normalize(_value(again)) != normalize(value) and second < first:
            for word in words:  # two readings disagree, the second less sure: neither is
                word.conf = second
        if self.matcher.judge.shape(_value(again)) is None \
                or _characters(again) < REREAD_KEEPS * _characters(words):
            return  # no value, or a part of it (the rest lost)
        if second < max(REREAD_BELOW, first):
            return  # not read surely, nor more surely than before
        for word in again:
            word.line = words[0].line
        replaced = {id(w) for w in words}
        kept = [w for w in page.words if id(w) not in replaced]
        page.set_words(sorted(kept + again, key=lambda w: (w.line, w.x0)))
