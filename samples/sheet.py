"""A reportlab canvas addressed from the top left, with the document's fonts and a text log."""

from __future__ import annotations

import io
import random

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

FACES = {
    "Helvetica": ("Helvetica", "Helvetica-Bold"),
    "Times": ("Times-Roman", "Times-Bold"),
    "Courier": ("Courier", "Courier-Bold"),
}
ACCENTS = ((0.05, 0.25, 0.55), (0.6, 0.1, 0.15), (0.0, 0.42, 0.38), (0.8, 0.38, 0.0),
           (0.2, 0.2, 0.2), (0.33, 0.15, 0.5))
Color = tuple[float, float, float]
BLACK: Color = (0.0, 0.0, 0.0)
WHITE: Color = (1.0, 1.0, 1.0)
GRAY: Color = (0.4, 0.4, 0.4)


class Sheet:
    """Pages being drawn; `y` is measured downwards from the top edge, in points."""

    def __init__(self, rng: random.Random, letter: bool) -> None:
        size = LETTER if letter != (rng.random() < 0.1) else A4
        face = rng.choices(list(FACES), weights=(6, 3, 1.5))[0]
        self.regular, self.bold = FACES[face]
        self.base = rng.choice((8.5, 9.0, 9.0, 9.5, 10.0)) - (1.0 if face == "Courier" else 0.0)
        self.margin = rng.uniform(36, 58)
        self.accent = rng.choice(ACCENTS)
        self.width, self.height = size
        self.texts: list[str] = []
        self.overflow = False
        self._buf = io.BytesIO()
        self.canvas = Canvas(self._buf, pagesize=size, invariant=1, pageCompression=1)

    @property
    def right(self) -> float:
        """The x of the right margin."""
        return self.width - self.margin

    @property
    def inner(self) -> float:
        """The width between the margins."""
        return self.width - 2 * self.margin

    @property
    def lead(self) -> float:
        """Line distance at the base size."""
        return self.base * 1.45

    def measure(self, s: str, size: float = 0.0, bold: bool = False) -> float:
        return stringWidth(s, self.bold if bold else self.regular, size or self.base)

    def text(self, x: float, y: float, s: str, size: float = 0.0, bold: bool = False,
             align: str = "left", color: Color = BLACK, maxw: float = 0.0) -> float:
        """Draw `s` with its baseline `y` below the top, shrunk to `maxw`; return its width."""
        size = size or self.base
        font = self.bold if bold else self.regular
        width = stringWidth(s, font, size)
        if maxw and width > maxw:
            size, width = size * maxw / width, maxw
        self.canvas.setFont(font, size)
        self.canvas.setFillColorRGB(*color)
        draw = {"left": self.canvas.drawString, "right": self.canvas.drawRightString,
                "center": self.canvas.drawCentredString}[align]
        draw(x, self.height - y, s)
        self.texts.append(s)
        return width

    def rule(self, x0: float, y: float, x1: float, width: float = 0.5, color: Color = BLACK,
             dash: bool = False) -> None:
        """A horizontal line at `y`."""
        self.canvas.setStrokeColorRGB(*color)
        self.canvas.setLineWidth(width)
        self.canvas.setDash(3, 2) if dash else self.canvas.setDash()
        self.canvas.line(x0, self.height - y, x1, self.height - y)

    def box(self, x: float, y: float, w: float, h: float, fill: Color | None = None,
            stroke: Color | None = BLACK, width: float = 0.5) -> None:
        """A rectangle whose top-left corner is (x, y)."""
        self.canvas.setLineWidth(width)
        self.canvas.setDash()
        if fill:
            self.canvas.setFillColorRGB(*fill)
        if stroke:
            self.canvas.setStrokeColorRGB(*stroke)
        self.canvas.rect(x, self.height - y - h, w, h, stroke=int(bool(stroke)),
                         fill=int(bool(fill)))

    def next_page(self) -> None:
        self.canvas.showPage()

    def pdf(self) -> bytes:
        """Finish the document and return its bytes."""
        self.canvas.save()
        return self._buf.getvalue()


def tint(color: Color, amount: float) -> Color:
    """`color` mixed with white; `amount` 0 keeps it, 1 is white."""
    r, g, b = color
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)
