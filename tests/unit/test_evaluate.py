"""How `custid eval` compares issuer names: folded, legal forms aside, distinctive words."""

from __future__ import annotations

import pytest

from extractor.evaluate import issuer_right
from extractor.pipeline import Extractor

SAME = Extractor().issuers


@pytest.mark.parametrize(("found", "label"), [
    ("CONTOSO LTD.", "Contoso, Ltd."),
    ("Wells Fargo", "Wells Fargo Bank, N.A."),
    ("Société Générale SA", "societe generale"),
    ("northwind-energy.com", "Northwind Energy"),
    ("North Wind Energy", "NorthWind Energy Inc"),
    ("The Contoso Company Ltd", "Contoso (CONTOSO PVT. LIMITED)"),
])
def test_names_of_one_company_agree(found: str, label: str) -> None:
    assert issuer_right(SAME, found, label)


@pytest.mark.parametrize(("found", "label"), [
    ("Bank", "Wells Fargo Bank, N.A."),  # filler alone names no company
    ("Your usage history", "Northwind Energy"),
    ("Lorem Ipsum", "PDF Generator API (sample template, A/C name Lorem Ipsum)"),
    (None, "Northwind Energy"),
    ("Northwind Energy", "(issuer name not printed)"),
])
def test_other_names_do_not(found: str | None, label: str) -> None:
    assert not issuer_right(SAME, found, label)


def test_an_unprinted_issuer_wants_none() -> None:
    assert issuer_right(SAME, None, "(issuer name not printed)")
