"""Emails: MIME structure, charsets, HTML tables as grids, attachments as parts, limits."""

from __future__ import annotations

import time
from email.message import EmailMessage

from extractor.pipeline import Extractor
from extractor.read.html_text import html_lines
from extractor.read.mail import decode_text
from extractor.read.strategy import read_document
from extractor.settings import Settings
from tests.pages import pdf_of

HEAD = (b"From: Brightline Telecom <noreply@brightline.com>\r\nTo: Ann <ann@example.org>\r\n"
        b"Date: Tue, 05 Mar 2024 10:00:00 +0000\r\nSubject: Welcome\r\nMIME-Version: 1.0\r\n")


def _message(body: str, subtype: str = "html", **options: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Brightline Telecom <noreply@brightline.com>"
    message["To"] = "Ann Smith <ann@example.org>"
    message["Subject"] = "Welcome to Brightline"
    message.set_content(body, subtype=subtype, **options)
    return message


def _values(extractor: Extractor, data: bytes) -> dict[str, str]:
    result = extractor.extract_bytes(data, "mail.eml")
    assert result.error is None
    return {f.value: f.kind for f in result.findings}


def _document(data: bytes, settings: Settings | None = None):
    return read_document(data, "eml", settings or Settings(), lambda _: True)


def test_html_table_welcome_email(extractor: Extractor) -> None:
    html = ("<html><head><style>td{color:red}</style><script>var x = 'Account: 1';</script>"
            "</head><body><p>Welcome!</p><table><tr><td>Order number:</td><td>ORD-2024-55123"
            "</td></tr><tr><td>Customer&nbsp;number:</td><td><b>  4471203 </b></td></tr>"
            "<tr><td>Phone</td><td>+1 212 555 0199</td></tr></table></body></html>")
    result = extractor.extract_bytes(_message(html).as_bytes(), "welcome.eml")
    assert [(f.kind, f.value, f.part) for f in result.findings] == [
        ("customer_number", "4471203", None)]
    assert result.text_source == "email"
    assert result.pages == 1
    assert result.issuer is not None and result.issuer.name == "Brightline Telecom"


def test_header_row_pairs_with_the_cell_below(extractor: Extractor) -> None:
    html = ("<table><tr><th>Invoice date</th><th>Account number</th><th>Tracking number</th>"
            "</tr><tr><td>03/05/2024</td><td>#88120457.</td><td>1Z999AA10123456784</td></tr>"
            "</table>")
    assert _values(extractor, _message(html).as_bytes()) == {"88120457": "account_number"}


def test_labels_then_values_table_lines_up(extractor: Extractor) -> None:
    html = ("<table><tr><td>Order number:<br>Client ID:<br>Amount due:</td>"
            "<td>55512345<br>C-7781234<br>$18.00</td></tr></table>")
    lines = html_lines(html)
    assert lines[1].split()[:2] == ["Client", "ID:"] and lines[1].split()[-1] == "C-7781234"
    assert _values(extractor, _message(html).as_bytes()) == {"C-7781234": "customer_number"}


def test_plain_text_value_glued_to_the_previous_field(extractor: Extractor) -> None:
    text = "Your bill\n\nAmount due: $18.00Client ID:\n7781234\nTracking number:\n1Z99912\n"
    data = _message(text, "plain").as_bytes()
    assert _values(extractor, data) == {"7781234": "customer_number"}


def test_quoted_printable_latin1(extractor: Extractor) -> None:
    text = "Sehr geehrte Frau Müller,\n\nIhre Kundennummer: 4471203.\n\nMit freundlichen Grüßen\n"
    message = _message(text, "plain", charset="iso-8859-1", cte="quoted-printable")
    data = message.as_bytes()
    assert b"M=FCller" in data
    assert _values(extractor, data) == {"4471203": "customer_number"}
    assert "Grüßen" in _document(data).texts[0]


def test_base64_body(extractor: Extractor) -> None:
    message = _message("<p>Numéro client : <b>FR-00412</b></p>", charset="utf-8", cte="base64")
    assert _values(extractor, message.as_bytes()) == {"FR-00412": "customer_number"}


def test_wrong_or_unknown_charset_falls_back() -> None:
    assert decode_text("Grüße".encode("latin-1"), "utf-8") == "Grüße"
    assert decode_text("Grüße".encode(), "iso-8859-1") == "Grüße"
    assert decode_text("Grüße €".encode("cp1252"), "x-unknown-charset") == "Grüße €"
    assert decode_text(b"abc", "hex") == decode_text(b"abc", "utf-8\x00") == "abc"


def test_forwarded_message_is_a_part(extractor: Extractor) -> None:
    inner = _message("<p>Account number: 99001234</p>")
    outer = EmailMessage()
    outer["From"] = "Ann <ann@gmail.com>"
    outer["Subject"] = "Fwd: Welcome"
    outer.set_content("See below.")
    outer.add_attachment(inner)
    result = extractor.extract_bytes(outer.as_bytes(), "fwd.eml")
    assert [(f.value, f.part) for f in result.findings] == [("99001234", "attachment-1")]
    assert result.issuer is not None and result.issuer.name == "Brightline Telecom"
    assert result.pages == 2


def test_pdf_attachment_findings_name_their_part(extractor: Extractor) -> None:
    message = _message("<p>Your bill is attached.</p>")
    pdf = pdf_of([(50, 80, "Customer No.: 58213907"), (50, 100, "Invoice No.: 2024-1107")])
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="bill.pdf")
    result = extractor.extract_bytes(message.as_bytes(), "bill.eml")
    assert [(f.value, f.part, f.page) for f in result.findings] == [("58213907", "bill.pdf", 1)]
    assert result.pages == 2


def test_broken_attachment_is_reported_and_the_body_still_works(extractor: Extractor) -> None:
    message = _message("<p>Customer number: 4471203</p>")
    message.add_attachment(b"%PDF-1.7 this is not a PDF", maintype="application",
                           subtype="pdf", filename="bill.pdf")
    data = message.as_bytes()
    assert _values(extractor, data) == {"4471203": "customer_number"}
    assert [e.split(":")[:2] for e in _document(data).errors] == [["bill.pdf", " malformed"]]
    assert extractor.extract_bytes(data, "x.eml").warnings[0].startswith("bill.pdf: malformed")


def test_broken_mime_keeps_the_readable_parts() -> None:
    data = HEAD + (b"Content-Type: multipart/mixed; boundary=XYZ\r\n\r\n--XYZ\r\n"
                   b"Content-Type: text/plain\r\n\r\nCustomer number: 4471203\r\n--XYZ\r\n"
                   b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                   b"JVBERi0xLjQK!!!broken")
    document = _document(data)
    assert "Customer number: 4471203" in document.texts[0]
    assert any("CloseBoundaryNotFound" in e for e in document.errors)
    assert any(e.startswith("attachment-1: ") for e in document.errors)


def test_email_without_body_has_no_findings(extractor: Extractor) -> None:
    result = extractor.extract_bytes(HEAD + b"\r\n", "empty.eml")
    assert result.error is None and result.findings == []
    assert result.pages == 1


def test_part_bomb_fails_quickly_as_too_large(extractor: Extractor) -> None:
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\nx%d\r\n" % i for i in range(20000))
    data = HEAD + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + parts + b"--b--\r\n"
    start = time.perf_counter()
    result = extractor.extract_bytes(data, "bomb.eml")
    assert time.perf_counter() - start < 3
    assert result.error is not None and result.error.code == "too_large"
    assert "more than 200 MIME parts" in result.error.message


def test_deep_nesting_fails_as_too_large(extractor: Extractor) -> None:
    depth = 40
    head = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
                    for i in range(depth))
    tail = b"".join(b"\r\n--b%d--" % i for i in reversed(range(depth)))
    data = HEAD + head + b"Content-Type: text/plain\r\n\r\nCustomer number: 4471203" + tail
    result = extractor.extract_bytes(data, "deep.eml")
    assert result.error is not None and result.error.code == "too_large"
    assert "deeper than 10" in result.error.message and result.findings == []
