"""Issuer, document kind and document date."""

from __future__ import annotations

import pytest

from extractor.describe.dates import DateFinder
from extractor.match.packs import load_packs
from extractor.pipeline import Extractor
from extractor.settings import Settings
from tests.pages import pdf_of

dates = DateFinder(load_packs(Settings().patterns_dir))


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Invoice Date: August 3 , 2014\nDue date: September 3, 2014", "2014-08-03"),
        ("Due date: 04/04/2023\nInvoice Date: 03/20/2023", "2023-03-20"),
        ("Rechnungsdatum 7. Mai 2014\nFällig am 21.05.2014", "2014-05-07"),
        ("Datum: 29 oktober 2015\nVervaldatum: 12 november 2015", "2015-10-29"),
        ("Facture n°562044387 du 02 Juillet 2015\nDate limite de paiement le 05 Juillet 2015",
         "2015-07-02"),
        ("Fecha de factura: 5 de marzo de 2024", "2024-03-05"),
        ("Data fattura 12/03/2024 Scadenza 12/04/2024", "2024-03-12"),
        ("Date: 2024-01-31", "2024-01-31"),
        ("Billing period 01.01.2024 - 31.01.2024\nInvoice date 05.02.2024", "2024-02-05"),
    ],
)
def test_document_date(text: str, iso: str) -> None:
    assert dates.find([text]) == iso


def test_due_date_alone_is_not_the_document_date() -> None:
    assert dates.find(["Due date: 12.03.2024"]) is None


def test_issuer_kind_and_date_from_a_pdf() -> None:
    rows = [(50, 40, "Nordwind Energie GmbH"), (50, 120, "Rechnung"),
            (50, 150, "Rechnungsdatum: 03.02.2024"), (50, 165, "Kundennummer: 55120-33"),
            (50, 800, "Nordwind Energie GmbH · www.nordwind-energie.de")]
    result = Extractor(Settings()).extract_bytes(pdf_of(rows), "bill.pdf")
    assert result.issuer is not None and result.issuer.name == "Nordwind Energie GmbH"
    assert result.document_kind == "invoice"
    assert result.document_date == "2024-02-03"


def test_issuer_profile_wins() -> None:
    rows = [(50, 40, "Cox Communications"), (50, 150, "Account Number: 001 8412 553210 7")]
    result = Extractor(Settings()).extract_bytes(pdf_of(rows), "cox.pdf")
    assert result.issuer is not None and result.issuer.name == "Cox Communications"
    assert result.issuer.confidence >= 0.9


@pytest.mark.parametrize(
    ("rows", "holder"),
    [
        ([(50, 100, "Bill to:"), (50, 114, "Jane Doe"), (50, 128, "12 High Street")], "Jane Doe"),
        ([(50, 100, "Customer: Jane Doe")], "Jane Doe"),
        ([(50, 40, "Nordwind Energie GmbH"),
          (50, 100, "Nordwind Energie GmbH · Hafenstr. 1 · 20457 Hamburg"),
          (50, 114, "Marta Krüger"), (50, 128, "Lindenweg 3")], "Marta Krüger"),
        ([(50, 100, "Customer Service: 0800 123 4567")], None),
    ],
)
def test_holder(rows: list, holder: str | None) -> None:
    assert Extractor(Settings()).extract_bytes(pdf_of(rows), "x.pdf").holder == holder
