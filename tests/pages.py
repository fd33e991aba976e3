"""Build pages and PDFs for tests: text placed at explicit positions."""

from __future__ import annotations

import io

from reportlab.pdfgen import canvas

from extractor.document.layout import assign_lines
from extractor.document.page import Page
from extractor.document.word import Word

CHAR_WIDTH, LINE_HEIGHT, SIZE = 6.0, 14.0, 10.0


def page_of(rows: list[tuple[float, float, str]], source: str = "text") -> Page:
    """A page from (x, y, text) rows: each row's words laid out in a monospace grid."""
    words = []
    for x, y, text in rows:
        column = 0
        for token in text.split(" "):
            if token:
                x0 = x + column * CHAR_WIDTH
                words.append(Word(token, x0, y, x0 + len(token) * CHAR_WIDTH, y + SIZE, SIZE))
            column += len(token) + 1
    return Page(number=1, width=595, height=842, words=assign_lines(words), source=source)


def pdf_of(rows: list[tuple[float, float, str]], pages: int = 1, **options: object) -> bytes:
    """A text-layer PDF with the rows on every page (y from the top, like the page model)."""
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=(595, 842), invariant=1, **options)
    for _ in range(pages):
        sheet.setFont("Helvetica", SIZE)
        for x, y, text in rows:
            sheet.drawString(x, 842 - y - SIZE, text)
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()
