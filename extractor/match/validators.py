"""Check-digit validators a pack may name (issuer profiles, look-alikes)."""

from __future__ import annotations

from collections.abc import Callable


def luhn(value: str) -> bool:
    """Luhn mod-10 check over the digits of `value`."""
    digits = [int(c) for c in value if c.isdigit()]
    if len(digits) < 2:
        return False
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return total % 10 == 0


def iban_mod97(value: str) -> bool:
    """ISO 13616 IBAN check (mod 97 == 1 over the rearranged alphanumerics)."""
    text = "".join(c for c in value.upper() if c.isalnum())
    if len(text) < 15 or not text[:2].isalpha() or not text[2:4].isdigit():
        return False
    rearranged = text[4:] + text[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def mod97_10(value: str) -> bool:
    """ISO 7064 MOD 97-10 over the digits (used by several utilities' account numbers)."""
    digits = "".join(c for c in value if c.isdigit())
    return len(digits) > 2 and int(digits) % 97 == 1


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "luhn": luhn,
    "iban_mod97": iban_mod97,
    "mod97_10": mod97_10,
}
