"""What a printed value is: its normalized form, its shape, and what else it may look like."""

from __future__ import annotations

import logging

import regex

from extractor.match.packs import REGEX_TIMEOUT, LookAlike, Packs, ValueShape
from extractor.match.validators import VALIDATORS

log = logging.getLogger(__name__)
_NORMALIZE = regex.compile(r"[\s\-./#]+")
_EDGE = "#:;,.()[]'\"*"


def normalize(value: str) -> str:
    """Uppercase, without spaces, dashes, dots, slashes or '#'."""
    return _NORMALIZE.sub("", value).upper()


def clean(token: str) -> str:
    """A token without the punctuation that only frames it ("#58213", "5531207.", "(77)")."""
    return token.strip(_EDGE)


def is_fragment(token: str, first: bool) -> bool:
    """Could this token be part of an id? Digits anywhere; a letters-only prefix only first."""
    if any(c.isdigit() for c in token):
        return True
    return first and token.isalpha() and token.isupper() and len(token) <= 3


def _fullmatch(pattern: regex.Pattern, value: str) -> bool:
    try:
        return pattern.fullmatch(value, timeout=REGEX_TIMEOUT) is not None
    except TimeoutError:
        log.warning("pattern %r timed out on a value and was skipped", pattern.pattern)
        return False


class ValueJudge:
    """Value shapes and look-alikes of the packs, compiled once."""

    def __init__(self, packs: Packs) -> None:
        self._shapes = [(s, regex.compile(s.regex, regex.IGNORECASE)) for s in packs.value_shapes]
        self._looks = [(a, regex.compile(a.regex)) for a in packs.look_alikes]
        self.lead_ins = frozenset(w.casefold() for w in packs.context.get("value_lead_ins", []))

    def shape(self, value: str) -> ValueShape | None:
        """The best-scoring shape the whole value matches, or None."""
        shapes = [shape for shape, pattern in self._shapes if _fullmatch(pattern, value)]
        return max(shapes, key=lambda s: s.score, default=None)

    def look_alikes(self, value: str) -> list[LookAlike]:
        forms = {"printed": value, "normalized": normalize(value)}
        return [
            item for item, pattern in self._looks
            if _fullmatch(pattern, forms[item.form])
            and (item.validator is None or VALIDATORS[item.validator](forms[item.form]))
        ]

    def looks_like_other(self, token: str) -> bool:
        """A token that is itself a date, amount, percentage... ends a multi-token value."""
        return any(item.penalty >= 0.9 for item in self.look_alikes(clean(token)))
