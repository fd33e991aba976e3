"""A word on a page: its text, its box in PDF points (origin top-left), how surely it was read."""

from __future__ import annotations

from dataclasses import dataclass

BBox = tuple[float, float, float, float]


@dataclass(slots=True)
class Word:
    """One word on a page; box in PDF points (x0, top, x1, bottom), origin top-left."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float = 0.0
    line: int = 0
    conf: float = 1.0  # OCR word confidence in 0..1; 1.0 for text layers
    slope: float = 0.0  # how far its line runs down per unit across (a scan still askew)

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def center_y(self) -> float:
        return (self.top + self.bottom) / 2
