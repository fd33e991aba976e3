"""Text folding, in one place: tokens compared case- and accent-insensitively, and the
characters OCR confuses with digits."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import regex

TOKEN = regex.compile(r"(?:(?!º)\p{L})+|\p{N}+|[#°º№]")  # "Nº" is two tokens, as "N°" is
# What OCR reads for a digit: each digit and the letters it is mistaken for.
LOOK_ALIKES = {"0": "ODo", "1": "Il", "2": "Z", "5": "S", "8": "B"}
DIGIT_FOR = str.maketrans({letter: digit for digit, letters in LOOK_ALIKES.items()
                           for letter in letters})
LETTERS_FOR = {digit: "".join(c for c in letters if c.isupper())
               for digit, letters in LOOK_ALIKES.items()}  # a letter read as a digit
# Letters between digits, and an O that starts the zero-padded counter after a prefix of
# letters ("REFCLIO215"): O and 0 are one glyph in many fonts, and counters start with zeros.
CONFUSABLE_RUN = regex.compile(
    rf"(?<=\d)[{''.join(LOOK_ALIKES.values())}]+(?=\d)|(?<=\p{{Lu}}{{2}})O+(?=\d{{2}})")


def plain(text: str) -> str:
    """Case and accents folded ("DEBUT" and "début" alike), punctuation and spaces kept."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def fold(token: str) -> str:
    """Case- and accent-insensitive form of one token."""
    return "°" if token in "º№" else plain(token)


def tokens(text: str) -> list[str]:
    """The folded tokens of `text` (letters, digits, '#' and '°'; punctuation dropped)."""
    return [fold(t) for t in TOKEN.findall(text)]


@lru_cache(maxsize=65536)  # the stages look up the same lines' forms again and again
def squashed(text: str) -> str:
    """The folded tokens of `text` run together: "Kunden-Nr." and "KUNDENNR" are one."""
    return "".join(tokens(text))


@lru_cache(maxsize=65536)
def folded_phrase(text: str) -> str:
    """Tokens of `text`, folded, between single spaces (and at both ends) for phrase lookup."""
    return " " + " ".join(tokens(text)) + " "


def key(text: str) -> str:
    """Issuer and holder names compared case-, accent- and space-insensitively."""
    return "".join(fold(text).split())


def confusable(normalized: str) -> str:
    """A normalized number with the letters OCR takes for digits read as those digits."""
    return normalized.translate(DIGIT_FOR)


def digits_for_confusables(token: str) -> str:
    """`token` with confusable letters between digits (or an O before a prefix's counter) read
    as the digits they resemble."""
    return CONFUSABLE_RUN.sub(lambda m: m.group().translate(DIGIT_FOR), token)
