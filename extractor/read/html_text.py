"""HTML to laid-out text lines that keep the page's structure for the geometric matcher.

Block elements and <br> end lines; <script>, <style> and the like are dropped; whitespace inside
a line collapses. A table becomes a grid: each row is one line (or several, when a cell holds
several), each cell starts at its column's own position, and columns are CELL_GAP characters
apart, wider than the gap that splits a line into segments. So "Customer number:" and the value
in the next cell stay on one line as two segments, and a header row's label sits straight above
the value in the row below. A cell of stacked labels next to a cell of stacked values lines up
label by label, where naive text extraction would print all labels, then all values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import regex

CELL_GAP = 4  # characters between table columns: 24 pt, twice the segment gap
MAX_SPAN = 50  # colspan values above this are treated as 1
SPACE = regex.compile(r"[\s\u00a0]+")
INVISIBLE = regex.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad\u034f]")
SKIP = frozenset({"script", "style", "title", "template", "noscript"})
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "nav", "ol", "p", "pre", "section", "ul", "caption", "body", "html",
})
CELLS = frozenset({"td", "th"})


@dataclass
class _Flow:
    """Text written line by line: a document body or one table cell."""

    lines: list[str] = field(default_factory=lambda: [""])
    span: int = 1

    def write(self, text: str, pre: bool) -> None:
        if pre:
            first, *rest = text.split("\n")
            self.lines[-1] += first
            self.lines += rest
            return
        text = SPACE.sub(" ", text)
        if not self.lines[-1] or self.lines[-1].endswith(" "):
            text = text.lstrip(" ")
        self.lines[-1] += text

    def end_line(self, hard: bool = False) -> None:
        """Start a new line; a soft end (a block's edge) never makes an empty line."""
        self.lines[-1] = self.lines[-1].rstrip()
        if hard or self.lines[-1]:
            self.lines.append("")

    def add_block(self, lines: list[str]) -> None:
        self.end_line()
        self.lines[-1:] = [*lines, ""]

    def finished(self) -> list[str]:
        lines = [line.rstrip() for line in self.lines]
        while lines and not lines[-1]:
            lines.pop()
        while lines and not lines[0]:
            lines.pop(0)
        return lines


@dataclass
class _Table:
    rows: list[list[_Flow]] = field(default_factory=list)

    def cell(self, span: int) -> _Flow:
        if not self.rows:
            self.rows.append([])
        self.rows[-1].append(_Flow(span=span))
        return self.rows[-1][-1]

    def render(self) -> list[str]:
        """The table as a grid of lines (see the module docstring)."""
        grid = [[(cell.span, cell.finished()) for cell in row] for row in self.rows]
        widths = _column_widths(grid)
        offsets, position = [], 0
        for width in widths:
            offsets.append(position)
            position += width + CELL_GAP if width else 0
        lines: list[str] = []
        for row in grid:
            height = max((len(cell) for _, cell in row), default=0)
            for index in range(height):
                line, column = "", 0
                for span, cell in row:
                    if index < len(cell) and cell[index]:
                        pad = max(offsets[column] - len(line), CELL_GAP if line else 0)
                        line += " " * pad + cell[index]
                    column += span
                lines.append(line.rstrip())
        return lines


def _column_widths(grid: list[list[tuple[int, list[str]]]]) -> list[int]:
    """Width of every column: its widest single cell; spanning cells widen their last column."""
    count = max((sum(span for span, _ in row) for row in grid), default=0)
    widths = [0] * count
    spanning = []
    for row in grid:
        column = 0
        for span, cell in row:
            width = max((len(line) for line in cell), default=0)
            if span == 1:
                widths[column] = max(widths[column], width)
            elif width:
                spanning.append((column, span, width))
            column += span
    for column, span, width in spanning:
        covered = [w for w in widths[column:column + span] if w]
        have = sum(covered) + CELL_GAP * max(len(covered) - 1, 0)
        widths[column + span - 1] += max(width - have, 0)
    return widths


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Flow | _Table] = [_Flow()]
        self.skipping: list[str] = []
        self.pre = 0

    @property
    def flow(self) -> _Flow:
        top = self.stack[-1]
        if isinstance(top, _Table):  # text or a block outside any cell: give it a cell
            self.stack.append(top.cell(1))
            return self.stack[-1]  # type: ignore[return-value]
        return top

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping or tag in SKIP:
            if tag in SKIP:
                self.skipping.append(tag)
            return
        if tag == "table":
            self.flow.end_line()
            self.stack.append(_Table())
        elif tag == "tr":
            table = self._close_cell()
            if table is not None:
                table.rows.append([])
        elif tag in CELLS:
            table = self._close_cell()
            if table is not None:
                self.stack.append(table.cell(_span(attrs)))
        elif tag == "br":
            self.flow.end_line(hard=True)
        elif tag in BLOCKS:
            self.flow.end_line()
            if tag == "pre":
                self.pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SKIP:  # <script/> has no content to skip
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag == "table" and any(isinstance(f, _Table) for f in self.stack):
            while not isinstance(self.stack[-1], _Table):
                self.stack.pop()
            self._end_table()
        elif tag in CELLS:
            self._close_cell()
        elif tag in BLOCKS:
            self.flow.end_line()
            if tag == "pre":
                self.pre = max(self.pre - 1, 0)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        data = INVISIBLE.sub("", data)
        if self.pre or data.strip():
            self.flow.write(data, bool(self.pre))
        elif not isinstance(self.stack[-1], _Table):
            self.flow.write(" ", False)

    def _close_cell(self) -> _Table | None:
        """Close the open cell, if any; the innermost table, or None outside tables."""
        if len(self.stack) > 1 and isinstance(self.stack[-2], _Table):
            self.stack.pop()
        top = self.stack[-1]
        return top if isinstance(top, _Table) else None

    def _end_table(self) -> None:
        table = self.stack.pop()
        assert isinstance(table, _Table)
        self.flow.add_block(table.render())

    def lines(self) -> list[str]:
        self.close()
        while len(self.stack) > 1:
            if isinstance(self.stack[-1], _Table):
                self._end_table()
            else:
                self.stack.pop()
        return self.flow.finished()


def _span(attrs: list[tuple[str, str | None]]) -> int:
    value = dict(attrs).get("colspan") or "1"
    digits = "".join(c for c in value if c.isdigit())
    span = int(digits[:3]) if digits else 1
    return span if 1 <= span <= MAX_SPAN else 1


def html_lines(html: str) -> list[str]:
    """The text of an HTML document as laid-out lines (tables as grids)."""
    parser = _Parser()
    parser.feed(html)
    return parser.lines()
