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
        # leaders between label and value; "le" of a due date's label is not the issue date's
        ("Date d'émission: ...................................... 10/10/2023\n"
         "À payer avant le: ..................................... 09/11/2023", "2023-10-10"),
        ("Invoice Date 18-Jun-2024\nPayment Due 02-Jul-2024", "2024-06-18"),
        ("Date: 28Mar21", "2021-03-28"),
        # labels in a table, the value below, among other labelled dates
        ("Ship Date\n11/2/2021\nDue Date\n12/2/2021\nInvoice Date:\n11/2/2021\nTotal $1,204.50",
         "2021-11-02"),
        # an e-invoice's referenced invoice and service dates are not its own
        ("DATE DE FACTURE ASSOCIÉE : 01/01/2026\nDATE DE DEBUT DE PRESTATION : 01/01/2026\n"
         "Date :                                        31/01/2026", "2026-01-31"),
        ("Service date: 4/18/23 - 7/17/23\nProcessed on: 4/18/23", "2023-04-18"),
    ],
)
def test_document_date(text: str, iso: str) -> None:
    assert dates.find([text]) == (iso, 0.9)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Statement Period 1 MAY 2021 to 31 MAY 2021", "2021-05-31"),
        ("Kontoauszug vom 01.01.2020 bis 02.02.2020", "2020-02-02"),
        ("Jun 07, 2021 \u2013 Jul 07, 2021 | 31 days in billing cycle", "2021-07-07"),
        ("Période du 01/03/2024 au 31/03/2024", "2024-03-31"),
    ],
)
def test_a_period_alone_dates_the_document_by_its_end(text: str, iso: str) -> None:
    assert dates.find([text]) == (iso, 0.7)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Date: 9/10/2020\nTotal $10,686.25", "2020-09-10"),  # dollars and cents: month first
        ("Data 10-02-2022 $4321", "2022-02-10"),  # a misread "$" without cents is no cue
        ("Date: 9/10/2020\nPaid 3/29/2020", "2020-09-10"),  # another date reads month first
        ("Date: 9/10/2020\nTotal 10.686,25 €", "2020-10-09"),
        ("Statement date 11/06/2021\nJohn Smith\nWinter Haven, FL 33883", "2021-11-06"),  # US
        ("Rechnungsdatum 11.06.2021\nDE 10115 Berlin", "2021-06-11"),  # no comma: no US state
    ],
)
def test_month_first_or_day_first(text: str, iso: str) -> None:
    assert dates.find([text])[0] == iso


@pytest.mark.parametrize("text", [
    "Due date: 12.03.2024",
    "Delv. Date: 5/16/2024\nPayable on or before 5/24/2024",
    "$222.58 due as of 7/1/2022\nClosing Date: 07/12/2021",
    "Payment Due Date\nAug 01, 2021",
    "Delv. Date: 5/16/2024\nColl. Date: 5/16/2024",
    "Delivery date: 16.05.2024 Total 20,00 € Invoice Nr. 4471",  # not the label of a later date
])
def test_other_dates_alone_are_not_the_document_date(text: str) -> None:
    assert dates.find([text]) is None


def test_issuer_kind_and_date_from_a_pdf() -> None:
    rows = [(50, 40, "Nordwind Energie GmbH"), (50, 120, "Rechnung"),
            (50, 150, "Rechnungsdatum: 03.02.2024"), (50, 165, "Kundennummer: 55120-33"),
            (50, 800, "Nordwind Energie GmbH · www.nordwind-energie.de")]
    result = Extractor(Settings()).extract_bytes(pdf_of(rows), "bill.pdf")
    assert result.issuer is not None and result.issuer.name == "Nordwind Energie GmbH"
    assert result.issuer.domain == "nordwind-energie.de"
    assert result.document_kind == "invoice"
    assert result.document_date == "2024-02-03" and result.document_date_confidence == 0.9


def test_issuer_profile_wins() -> None:
    rows = [(50, 40, "Cox Communications"), (50, 150, "Account Number: 001 8412 553210 7")]
    result = Extractor(Settings()).extract_bytes(pdf_of(rows), "cox.pdf")
    assert result.issuer is not None and result.issuer.name == "Cox Communications"
    assert result.issuer.confidence >= 0.9


@pytest.mark.parametrize("address", [
    "Musterstrasse 7", "Hoofdstraat 12", "PO Box 1200", "Winter Haven, FL 33883",
    "75008 Paris", "2 Main St"])
def test_an_address_line_is_not_the_issuer(address: str) -> None:
    """A street, box or postal-code line near the top is part of an address, and the name is
    found elsewhere (here in the printed domain)."""
    rows = [(50, 40, address), (50, 150, "Invoice date: 03.02.2024"),
            (50, 800, "www.nordwind-energie.de")]
    result = Extractor(Settings()).extract_bytes(pdf_of(rows), "bill.pdf")
    assert result.issuer is not None and result.issuer.name == "nordwind-energie.de"


@pytest.mark.parametrize("heading", ["Party :", "Buyer:", "Lieferadresse:", "Acheteur :"])
def test_the_buyer_block_is_the_holder_not_the_issuer(heading: str) -> None:
    """A buyer's name with its legal form at the top is the addressee; the issuer is the one
    printed elsewhere (here only in its domain)."""
    rows = [(50, 40, f"{heading} ALD Automotive Pvt Ltd"), (50, 150, "Invoice date: 03.02.2024"),
            (50, 800, "www.diliptyres.com")]
    result = Extractor(Settings()).extract_bytes(pdf_of(rows), "bill.pdf")
    assert result.holder == "ALD Automotive Pvt Ltd"
    assert result.issuer is not None and result.issuer.name == "diliptyres.com"


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


def test_bank_statement_reports_its_account_not_a_payees_customer_number() -> None:
    """On a bank's statement the account beside BLZ and IBAN is the customer's; a customer
    number quoted in a booking text is a payee's. On an invoice the same block is the issuer's."""
    rows = [(50, 40, "Nordbank AG"), (50, 70, "Kontoauszug vom 01.01.2024 bis 31.01.2024"),
            (50, 120, "Kontonummer"), (200, 120, "BLZ"), (50, 134, "4471203399"),
            (200, 134, "200 100 20"), (50, 160, "IBAN DE31 2001 0020 4471 2033 99"),
            (50, 200, "Lastschrift STROMKOSTEN KD.NR.1462347")]
    result = Extractor(Settings()).extract_bytes(pdf_of(rows), "auszug.pdf")
    assert result.document_kind == "statement"
    assert [f.value for f in result.findings] == ["4471203399"]
    assert result.document_date == "2024-01-31"
    invoice = [(50, 40, "Nordwerk GmbH"), (50, 70, "Rechnung"), *rows[2:7]]
    assert Extractor(Settings()).extract_bytes(pdf_of(invoice), "r.pdf").findings == []

