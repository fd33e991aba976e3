"""Pairing labels with values by geometry, and never taking a neighbouring id."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.document.layout import assign_lines
from extractor.document.page import Page
from extractor.document.word import Word
from extractor.match.matcher import Matcher
from extractor.match.packs import load_packs
from extractor.match.refine import Refiner
from extractor.settings import Settings
from extractor.text import digits_for_confusables
from tests.pages import page_of

matcher = Matcher(load_packs(Settings().patterns_dir), min_confidence=0.5)


def found(rows: list[tuple[float, float, str]], source: str = "text") -> list[tuple[str, str]]:
    return [(f.kind, f.value) for f in matcher.match([page_of(rows, source)])]


def test_same_line_right_of_label() -> None:
    assert found([(50, 80, "Customer No.: 48213-7751")]) == [("customer_number", "48213-7751")]


def test_value_in_cell_below_table_header() -> None:
    rows = [(50, 100, "Order"), (150, 100, "Klant"), (250, 100, "Factuurdatum"),
            (50, 116, "98765"), (150, 116, "12345"), (250, 116, "01-02-2024")]
    assert found(rows) == [("customer_number", "12345")]


def test_value_far_right_after_leaders() -> None:
    assert found([(50, 80, "Customer number ............"), (400, 80, "5531207")]) == [
        ("customer_number", "5531207")]


def test_value_on_next_line() -> None:
    assert found([(50, 80, "Account number:"), (50, 94, "296664039561")]) == [
        ("account_number", "296664039561")]


def test_value_below_with_an_amount_on_the_label_line() -> None:
    rows = [(50, 80, "Account Number"), (250, 80, "Amount Due"),
            (50, 94, "5531207"), (250, 94, "$45.00")]
    assert found(rows) == [("account_number", "5531207")]


def test_value_above_label_on_payment_stub() -> None:
    rows = [(50, 700, "5531207"), (250, 700, "$45.00"),
            (50, 714, "Account Number"), (250, 714, "Amount Enclosed")]
    assert found(rows) == [("account_number", "5531207")]


def test_value_above_caption_row_with_a_line_in_between() -> None:
    rows = [(50, 700, "Acme Energy Ltd"), (250, 700, "795 467 502 19"), (400, 700, "$591.90"),
            (50, 711, "Payee:"), (250, 714, "Account Number"), (400, 714, "Amount Due")]
    assert found(rows) == [("account_number", "795 467 502 19")]


@pytest.mark.parametrize(("below", "found_value"), [("2", "60519"), ("77", "60519"),
                                                      ("4418", "4418")])
def test_a_speck_read_as_a_digit_under_a_stub_caption_does_not_hide_the_value_above(
        below: str, found_value: str) -> None:
    """A stray mark under a caption, read as one or two digits, is a weak value there; the
    value above the caption row is taken instead. A full value below still wins."""
    rows = [(50, 700, "Lumora AG"), (240, 700, "60519"), (330, 700, "16.03.2023"),
            (240, 714, "Kd.-Nr."), (330, 714, "Fällig am"), (238, 730, below)]
    assert found(rows, source="ocr") == [("customer_number", found_value)]


def test_value_above_stops_at_the_next_caption() -> None:
    rows = [(250, 700, "5531207-4418 19 May 2023"),
            (250, 714, "Cust. No."), (330, 714, "Due date")]
    assert found(rows) == [("customer_number", "5531207-4418")]


def test_table_rule_read_as_a_bar_before_the_value_cell() -> None:
    rows = [(40, 100, "| Customer No."), (200, 100, "Invoice No."),
            (40, 116, "| CUS-AQ38X0"), (200, 116, "F2025/8744")]
    assert found(rows, source="ocr") == [("customer_number", "CUS-AQ38X0")]


def test_address_line_under_an_empty_caption_is_no_value() -> None:
    rows = [(50, 100, "Customer code:"), (50, 114, "71 Station Road")]
    assert found(rows) == []


def test_a_speck_read_as_letters_after_a_caption_does_not_hide_the_cell_below() -> None:
    page = page_of([(50, 100, "Codice Cliente i\""), (200, 100, "Partita IVA"),
                    (50, 114, "1234ABC"), (200, 114, "1234567890")], "ocr")
    speck = next(w for w in page.words if w.text == 'i"')
    speck.conf = 0.29
    assert [(f.kind, f.value) for f in matcher.match([page])] == [("customer_number", "1234ABC")]
    speck.conf = 0.9  # read surely, it is text: the caption is then no column header
    assert matcher.match([page]) == []


def test_value_running_into_an_amount_is_unclear() -> None:
    assert found([(50, 80, "Customer No.: 9436 7756.00")], source="ocr") == []


def test_two_labels_over_two_lines_are_not_one_between_them() -> None:
    rows = [(50, 100, "Código de cliente"), (300, 100, "1980136413"),
            (50, 114, "Nº de factura"), (300, 114, "A-24/65958")]
    assert found(rows) == [("customer_number", "1980136413")]


def test_ordinal_sign_spelt_either_way() -> None:
    for sign in "º°":
        assert found([(50, 80, f"N{sign} de cuenta cliente 41 4162 9466")]) == [
            ("account_number", "41 4162 9466")]


def test_label_split_over_two_lines() -> None:
    assert found([(50, 80, "Customer"), (50, 92, "Number: 7712-88")]) == [
        ("customer_number", "7712-88")]


def test_number_inside_a_sentence() -> None:
    rows = [(50, 300, "Please quote your customer number 5531207 with every payment.")]
    assert found(rows) == [("customer_number", "5531207")]


@pytest.mark.parametrize("printed", ["0031 55812-204417 3", "#58213", "CU-2231-AB", "7",
                                     "40012300000000981234"])
def test_value_shapes(printed: str) -> None:
    assert [v for _, v in found([(50, 80, f"Customer ID: {printed}")])] == [printed.lstrip("#")]


@pytest.mark.parametrize("label", ["Debitorennummer", "Klant", "Id.client", "Acct #", "Kd.-Nr."])
def test_real_world_labels_over_a_value_cell(label: str) -> None:
    rows = [(50, 100, label), (200, 100, "Datum"), (50, 114, "55120"), (200, 114, "03.02.2024")]
    assert [v for _, v in found(rows)] == ["55120"]


def test_customer_and_account_number_both_reported() -> None:
    rows = [(50, 80, "Customer ID: 88123"), (50, 94, "Account Number: 4410-2231-09")]
    assert sorted(found(rows)) == [("account_number", "4410-2231-09"),
                                   ("customer_number", "88123")]


def test_issuer_bank_account_is_not_a_customer_account() -> None:
    rows = [(50, 600, "Bank details"), (50, 614, "Bank Name: First National"),
            (50, 628, "Account No: 50100234567"), (50, 642, "IFSC: FNBK0000123")]
    assert found(rows) == []


def test_ambiguous_account_label_in_a_bank_block() -> None:
    rows = [(50, 600, "Bankverbindung"), (50, 614, "Kreissparkasse Gelnhausen"),
            (50, 628, "Kto-Nr. 48567"), (50, 642, "IBAN DE30507500940000048567")]
    assert found(rows) == []


def test_ambiguous_account_label_after_a_bank_on_its_line() -> None:
    """A footer's bank details: the bank is named on the label's line, before it (OCR split
    the account in two there)."""
    rows = [(50, 800, "Entidad: Banco del Mediterráneo"), (300, 800, "N° de cuenta: 4918")]
    assert found(rows) == []
    assert found([(300, 800, "N° de cuenta: 4918")]) == [("account_number", "4918")]


@pytest.mark.parametrize("before", ["ABA # 121000248", "Direct credit to Contoso Ltd:",
                                    "BSB 062-000"])
def test_account_beside_the_issuers_payment_details_is_the_issuers(before: str) -> None:
    """A routing number, or the instruction to pay into it, marks the issuer's own account."""
    rows = [(50, 700, before), (50, 714, "Account Number 4001234567")]
    assert found(rows) == []
    assert found(rows[1:]) == [("account_number", "4001234567")]


def test_account_in_a_table_row_naming_a_bank_is_the_issuers() -> None:
    rows = [(50, 600, "Bank Name"), (320, 600, "Account No."),
            (50, 614, "HDFC Bank"), (320, 614, "00030340067212")]
    assert found(rows) == []
    rows[0], rows[2] = (50, 600, "Customer"), (50, 614, "Acme Traders")
    assert found(rows) == [("account_number", "00030340067212")]


def test_every_account_of_a_statements_table_of_accounts() -> None:
    rows = [(50, 200, "Account"), (300, 200, "Account number"), (450, 200, "Balance"),
            (50, 214, "Essential Checking"), (300, 214, "1111111111"), (450, 214, "4,570.68"),
            (50, 228, "Way2Save Savings"), (300, 228, "11111111111"), (450, 228, "176,957.07"),
            (200, 242, "Total deposit accounts"), (450, 242, "181,527.75")]
    page = page_of(rows)
    statement = {f.value for f in matcher.match([page], statement=True)}
    assert statement == {"1111111111", "11111111111"}
    assert [f.value for f in matcher.match([page])] == ["1111111111"]  # an invoice's: one


def test_customer_care_phone_is_not_a_number() -> None:
    assert found([(50, 700, "Flipkart.com Customer Care : 1800 208 9898")]) == []


def test_tax_id_of_the_client_is_not_a_number() -> None:
    assert found([(50, 300, "N° TVA client FR19787878784")]) == []


def test_neighbouring_negative_value_never_taken() -> None:
    rows = [(50, 80, "Invoice No: 2024-0042"), (300, 80, "Customer No:")]
    assert found(rows) == []


def test_ocr_damaged_label_on_ocr_page() -> None:
    assert found([(50, 80, "Custorner Number: 5531207")], source="ocr") == [
        ("customer_number", "5531207")]


CONFUSABLES = [
    "Invoice No: 2024-00{n}", "Order No.: 77{n}12", "PO Number: PO-{n}88", "VAT No: DE1234{n}789",
    "Phone: +49 30 1234 {n}56", "Invoice date: 0{n}.03.2024", "Total: 1.2{n}4,56",
    "IBAN: DE30507500940000048567", "Customer Care: 0800 123 {n}567", "Serial No: SN-{n}4471",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CONFUSABLES), st.integers(1, 9),
                          st.sampled_from(["left", "right", "above", "below"])),
                max_size=4, unique_by=lambda t: t[2]))
def test_confusable_neighbours_never_change_the_answer(neighbours: list) -> None:
    rows = [(200, 300, "Customer No: 48213-7751")]
    places = {"left": (20, 300), "right": (400, 300), "above": (200, 280), "below": (200, 320)}
    for template, digit, place in neighbours:
        x, y = places[place]
        text = template.format(n=digit)
        rows.append((x, y, text[:28] if place == "left" else text))
    assert found(rows) == [("customer_number", "48213-7751")]


@pytest.mark.parametrize(("read", "meant"), [
    ("REFCLIO215", "REFCLI0215"), ("ABO123450001C", "AB0123450001C"), ("55O1234", "5501234"),
    ("PO123", "PO123"), ("INFO", "INFO"), ("MSFT987", "MSFT987")])
def test_an_o_starting_the_counter_after_a_prefix_is_a_zero(read: str, meant: str) -> None:
    """Counters after a prefix of letters start with zeros; "PO" alone is too short a prefix."""
    assert digits_for_confusables(read) == meant


def test_a_scanned_value_with_letters_gets_its_zero_back() -> None:
    page = page_of([(50, 80, "N° de client : REFCLIO215")], "ocr")
    Refiner(matcher)(page, lambda box, alphabet: [])
    assert [f.value for f in matcher.match([page])] == ["REFCLI0215"]


def test_a_doubtful_value_read_otherwise_again_is_left_in_doubt() -> None:
    """Two readings that disagree, neither sure: no number is better than a wrong one."""
    def page(conf: float) -> Page:
        read = page_of([(50, 80, "Customer ID: 0123456")], "ocr")
        read.words[-1].conf = conf
        return read

    again = [Word("123456", 0, 0, 1, 1, 10, conf=0.1)]
    doubtful, sure = page(0.6), page(0.95)
    Refiner(matcher)(doubtful, lambda box, alphabet: again)
    Refiner(matcher)(sure, lambda box, alphabet: again)  # read surely: not read again
    assert matcher.match([doubtful]) == []
    assert [f.value for f in matcher.match([sure])] == ["0123456"]


def test_row_drifting_across_the_page_stays_one_line() -> None:
    """A stub row read a little askew (each word higher than the one before) stays one line, so
    the value above its caption is the whole number, not its first group."""
    row = [("Mutuelle", 73, 105, 584.0), ("Mirora", 111, 136, 583.0), ("SA", 141, 153, 582.6),
           ("0078", 246, 262, 582.8), ("74304-386639", 264, 317, 579.4),
           ("19", 331, 339, 578.3), ("mai", 343, 356, 577.9), ("2023", 360, 380, 577.6)]
    words = [Word(text, x0, top, x1, top + 11, 11) for text, x0, x1, top in row]
    words += [Word("N°", 246, 594.5, 256, 603.5, 9), Word("client", 259, 594.1, 282, 603.1, 9)]
    page = Page(number=1, width=595, height=842, words=assign_lines(words), source="ocr")
    assert [(f.kind, f.value) for f in matcher.match([page])] == [
        ("customer_number", "0078 74304-386639")]
