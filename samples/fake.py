"""Seeded random values and locale formatting: patterns, IBANs, brands, money and dates."""

from __future__ import annotations

import random
import re
import string
import unicodedata
from datetime import date

from samples.locales import Locale
from samples.vocab import BRAND_HEADS, BRAND_TAILS

# BBAN shapes (country code -> pattern) for IBANs with real check digits.
BBAN = {
    "GB": "@@@@99999999999999",
    "DE": "999999999999999999",
    "FR": "99999999999999999999999",
    "NL": "@@@@9999999999",
    "ES": "99999999999999999999",
    "IT": "@9999999999999999999999",
}


def pattern(rng: random.Random, shape: str) -> str:
    """Fill a shape: `9` any digit, `^` a digit 1-9, `@` a capital letter, `\\` escapes."""
    out: list[str] = []
    chars = iter(shape)
    for ch in chars:
        if ch == "\\":
            out.append(next(chars))
        elif ch == "9":
            out.append(rng.choice(string.digits))
        elif ch == "^":
            out.append(rng.choice("123456789"))
        elif ch == "@":
            out.append(rng.choice(string.ascii_uppercase))
        else:
            out.append(ch)
    return "".join(out)


def norm(value: str) -> str:
    """Compare form of a number: letters and digits only, upper case."""
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


def brand(rng: random.Random) -> str:
    """An invented brand name such as 'Norvix'."""
    head, tail = rng.choice(BRAND_HEADS), rng.choice(BRAND_TAILS)
    return head + (tail[1:] if head[-1] == tail[0] else tail)


def slug(name: str) -> str:
    """ASCII domain label made of the first word of a name: 'Größe Telekom' -> 'grosse'."""
    word = name.replace("ß", "ss").split()[0]
    plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.lower()) or "mail"


def iban(rng: random.Random, country: str) -> str:
    """A random IBAN with valid check digits, without spaces."""
    bban = pattern(rng, BBAN[country])
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def bic(rng: random.Random, country: str) -> str:
    """A SWIFT/BIC code such as 'NBKLDEFFXXX' or 'HOLBNL2A'."""
    return pattern(rng, "@@@@") + country + pattern(rng, rng.choice(("@@", "@@XXX", "2@")))


def spaced(text: str, size: int = 4) -> str:
    """Group a string in blocks: 'DE89370400440532013000' -> 'DE89 3704 0044 0532 0130 00'."""
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def amount(loc: Locale, value: float) -> str:
    """A number in local notation: 1,234.56 / 1.234,56 / 1 234,56 / 1,23,456.78 (India)."""
    whole, frac = f"{abs(value):.2f}".split(".")
    if loc.code == "en-IN" and len(whole) > 3:
        head, tail = whole[:-3], whole[-3:]
        parts = [head[max(0, i - 2) : i] for i in range(len(head), 0, -2)][::-1]
        grouped = ",".join([*parts, tail])
    else:
        grouped = f"{int(whole):,}".replace(",", loc.group)
    return ("-" if value < 0 else "") + grouped + loc.decimal + frac


def money(loc: Locale, template: str, value: float) -> str:
    """An amount with its currency as the template puts it: '1.234,56 €', '$1,234.56'."""
    text = template.format(a=amount(loc, abs(value)))
    return f"-{text}" if value < 0 else text


def day(template: str, when: date, months: list[str]) -> str:
    """A date in a locale template such as '{dd}.{mm}.{Y}' or '{B} {d}, {Y}'."""
    name = months[when.month - 1]
    return template.format(d=when.day, dd=f"{when.day:02d}", mm=f"{when.month:02d}",
                           Y=when.year, B=name, b=name[:3].title())


def rate_text(loc: Locale, rate: float) -> str:
    """A tax rate as printed: '19 %', '20%', '5,5 %'."""
    text = f"{rate:g}".replace(".", loc.decimal)
    return f"{text} %" if loc.lang in ("de", "fr") else f"{text}%"
