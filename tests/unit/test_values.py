"""Normalization, shapes and look-alikes of printed values; check-digit validators."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractor.match.packs import load_packs
from extractor.match.validators import iban_mod97, luhn
from extractor.match.values import ValueJudge, normalize
from extractor.settings import Settings

judge = ValueJudge(load_packs(Settings().patterns_dir))
ID_CHARS = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefxyz -./#", max_size=30)


@given(ID_CHARS)
def test_normalize_is_idempotent_and_canonical(value: str) -> None:
    once = normalize(value)
    assert normalize(once) == once
    assert once == once.upper()
    assert not set(once) & set(" -./#")


@given(st.text(alphabet="0123456789", min_size=1, max_size=12),
       st.lists(st.sampled_from([" ", "-", ".", "/"]), max_size=3))
def test_separators_never_change_the_normalized_value(digits: str, seps: list[str]) -> None:
    printed = digits
    for index, sep in enumerate(seps, start=1):
        cut = min(index * 2, len(printed))
        printed = printed[:cut] + sep + printed[cut:]
    assert normalize(printed) == digits


@pytest.mark.parametrize("value", ["48213-7751", "0031 55812-204417 3", "CU-2231-AB",
                                   "REFCLI0215", "GE2020211", "9501198574", "K 882 193",
                                   "0012 3456 7890"])
def test_customer_number_shapes(value: str) -> None:
    assert judge.shape(value) is not None
    assert not [a for a in judge.look_alikes(value) if a.penalty >= 0.8]


@pytest.mark.parametrize(
    ("value", "look"),
    [("12.03.2024", "date"), ("2024-03-12", "date"), ("1.234,56", "amount"), ("18.00", "amount"),
     ("+49 6051 916 44 10", "phone_international"), ("1800 208 9898", "phone_toll_free"),
     ("900 588 411", "phone_toll_free"), ("0033 1 23 45 67 89", "phone_international"),
     ("0 230 91 55 99", "phone_national"), ("2075 5996 36 7273764041", "es_ccc"),
     ("DE30507500940000048567", "iban"), ("FR19787878784", "eu_vat_id"), ("15%", "percent")],
)
def test_look_alikes(value: str, look: str) -> None:
    assert look in {a.id for a in judge.look_alikes(value)}


def test_iban_needs_a_valid_check() -> None:
    assert iban_mod97("DE30507500940000048567")
    assert not iban_mod97("DE31507500940000048567")
    assert "iban" not in {a.id for a in judge.look_alikes("DE31507500940000048567")}


def test_luhn() -> None:
    assert luhn("79927398713")
    assert not luhn("79927398710")
