"""Documents that are cheap to send and costly to draw: what the red team sent the evidence
route (an email with a 300,000-character line, a 7,200-point PDF page), each with a number."""

from __future__ import annotations

import io
from email.message import EmailMessage

from reportlab.pdfgen import canvas

NUMBER = "58213907"


def huge_documents() -> dict[str, bytes]:
    """File name -> bytes: an email with a 300,000-character line after its number, and a PDF
    of one 7,200-point page."""
    message = EmailMessage()
    message["From"] = "Brightline Telecom <noreply@brightline.com>"
    message["Subject"] = "Your statement"
    message.set_content(f"Customer No.: {NUMBER} " + "x" * 300_000 + "\n")
    pdf = io.BytesIO()
    sheet = canvas.Canvas(pdf, pagesize=(7200, 7200), invariant=1)
    sheet.setFont("Helvetica", 10)
    sheet.drawString(3600, 3600, f"Customer No.: {NUMBER}")
    sheet.showPage()
    sheet.save()
    return {"email-300k-line.eml": message.as_bytes(), "page-7200pt.pdf": pdf.getvalue()}
