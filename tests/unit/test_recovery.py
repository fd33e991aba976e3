"""Finding an issuer by what a person types: its name without legal forms, or its domain."""

from __future__ import annotations

import pytest

from extractor.recovery import issuer_matches


@pytest.mark.parametrize(("query", "name", "domain", "matches"), [
    ("Duke Energy Corp", "Duke Energy", None, True),
    ("duke-energy.com", "Duke Energy", None, True),
    ("nwe.com", "Northwind Energy", "nwe.com", True),
    ("nwe", "Northwind Energy", "nwe.com", True),
    ("nwe", "Northwind Energy", None, False),
    ("glasgow.co.uk", "Glasgow Mutual plc", None, True),
    ("vodafone", "Northwind Energy", "nwe.com", False),
    ("Inc", "Northwind Energy Inc", None, False),  # a legal form alone names nobody
])
def test_issuer_by_name_or_domain(query: str, name: str, domain: str | None,
                                  matches: bool) -> None:
    assert issuer_matches(query, name, domain) is matches
