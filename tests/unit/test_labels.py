"""Label matching: tolerant of case, punctuation, spacing; fuzzy on OCR text; longest wins."""

from __future__ import annotations

import pytest

from extractor.match.labels import LabelMatcher
from extractor.match.packs import load_packs
from extractor.settings import Settings


@pytest.fixture(scope="module")
def matcher() -> LabelMatcher:
    return LabelMatcher(load_packs(Settings().patterns_dir).labels)


@pytest.mark.parametrize(
    ("text", "label_id", "printed"),
    [
        ("Cust # 4471", "en.customer_number", "Cust #"),
        ("Cust. No. 4471", "en.customer_number", "Cust. No"),
        ("Customer-No 4471", "en.customer_number", "Customer-No"),
        ("CUSTOMER NUMBER: 4471", "en.customer_number", "CUSTOMER NUMBER"),
        ("Kunden-Nr. 4471", "de.customer_number", "Kunden-Nr"),
        ("Kd.-Nr.: 4471", "de.customer_number", "Kd.-Nr"),
        ("N° client : 4471", "fr.customer_number", "N° client"),
        ("Nº client 4471", "fr.customer_number", "Nº client"),
        ("Id.client", "fr.customer_number", "Id.client"),
        ("Klantnummer: 4471", "nl.customer_number", "Klantnummer"),
        ("Número de cliente 4471", "es.customer_number", "Número de cliente"),
        ("Numero de cliente 4471", "es.customer_number", "Numero de cliente"),
        ("Codice cliente 4471", "it.customer_number", "Codice cliente"),
        ("Acct # 4471", "en.account_number", "Acct #"),
        ("$18.00Client ID:", "en.customer_number", "Client ID"),
        ("Numéro d'abonné : 4471", "fr.customer_number", "Numéro d'abonné"),
        ("N° d\u2019abonné 4471", "fr.customer_number", "N° d\u2019abonné"),  # curly
        ("Nº de abonado 4471", "es.customer_number", "Nº de abonado"),
        ("Membership No. 4471", "en.customer_number", "Membership No"),
    ],
)
def test_tolerant_variants(matcher: LabelMatcher, text: str, label_id: str, printed: str) -> None:
    hits = [h for h in matcher.find(text) if h.label.kind != "negative"]
    assert [(h.label.id, text[h.start:h.end]) for h in hits] == [(label_id, printed)]


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("Customer Care : 1800 208 9898", "phone"),
        ("N° TVA client FR12345678901", "tax_id"),
        ("Customer VAT ID DE123456789", "tax_id"),
        ("Bank Account No. 12345678", "bank_account"),
        ("BLZ: 507 500 94", "bank_account"),
    ],
)
def test_longer_negative_label_wins(matcher: LabelMatcher, text: str, what: str) -> None:
    hits = matcher.find(text)
    assert hits and hits[0].label.kind == "negative" and hits[0].label.what == what
    assert not [h for h in hits if h.label.kind != "negative"]


def test_label_not_inside_a_longer_word(matcher: LabelMatcher) -> None:
    assert not [h for h in matcher.find("Accountancy services") if h.label.kind != "negative"]


def test_fuzzy_only_when_asked(matcher: LabelMatcher) -> None:
    text = "Custorner Number 5531207"
    assert not [h for h in matcher.find(text) if h.label.kind != "negative"]
    hits = [h for h in matcher.find(text, fuzzy=True) if h.label.kind != "negative"]
    assert [(h.label.kind, h.fuzzy) for h in hits] == [("customer_number", True)]


def test_fuzzy_rejects_too_many_errors(matcher: LabelMatcher) -> None:
    assert not [h for h in matcher.find("Cosmetic Numbers", fuzzy=True)
                if h.label.kind != "negative"]


@pytest.mark.parametrize("text", ["Customer Number 4471", "Name: Veron Mobile SA", "Bank: ACME",
                                  "Veron Mobile SA", ": Customer Number", "Northwind Energy",
                                  "Accountancy services", ""])
def test_leads_is_a_label_hit_at_the_first_character(matcher: LabelMatcher, text: str) -> None:
    assert matcher.leads(text) == any(hit.start == 0 for hit in matcher.find(text))
