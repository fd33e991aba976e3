"""Pair each label with the value printed for it, by geometry: right, below, or above it."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import takewhile
from typing import Literal

from extractor.document.layout import overlap
from extractor.document.word import Word
from extractor.match.spots import Segment, Spot
from extractor.match.values import ValueJudge, clean, is_fragment

Placement = Literal["right", "right_far", "below", "above", "above_row"]
MAX_TOKENS = 5
BELOW_LINES = 2  # how many lines below (or above) a label its value may sit
MAX_BELOW = 3.0  # in label heights, from the label's bottom edge to the value's top
MAX_ABOVE = 1.5  # a value above its label (a payment stub's caption row) sits close
SURE_SHAPE = 0.8  # a value of a shape scored below this may be a stray mark read as one
TEXT_AFTER = 2  # words of plain text after a value in its cell: a line of text, not a value
MAX_ROWS = 12  # rows of a column of values taken under one caption
SPECK = 0.4  # OCR confidence below which a short word without digits is a speck read as text


@dataclass(slots=True)
class Candidate:
    spot: Spot
    words: list[Word]
    value: str
    placement: Placement
    distance: float  # gap between label and value, in label heights


def _value(tokens: list[str], judge: ValueJudge) -> tuple[str, int] | None:
    """The longest run of leading tokens that forms one value of a known shape; none when a
    date, amount or the like follows the run at once ("9436 7756.00": a number misread, or
    two values run together: either way it is unclear where the value ends)."""
    kept: list[str] = []
    for token in (clean(t) for t in tokens[:MAX_TOKENS]):
        if kept and judge.looks_like_other(token):
            return None
        if not is_fragment(token, first=not kept):
            break
        kept.append(token)
    for count in range(len(kept), 0, -1):
        value = " ".join(kept[:count])
        if judge.shape(value) is not None:
            return value, count
    return None


def _speck(text: str, word: Word) -> bool:
    """Is this a speck or a rule that OCR read as a letter or two ('i"' after a caption)?"""
    return (word.conf < SPECK and sum(c.isalnum() for c in text) <= 2
            and not any(c.isdigit() for c in text))


def _filler(text: str, word: Word) -> bool:
    """Does the token hold nothing of a value: punctuation, or a speck?"""
    return not any(c.isalnum() for c in text) or _speck(text, word)


def _skip_lead(tokens: list[tuple[str, Word]], judge: ValueJudge) -> list[tuple[str, Word]]:
    """Drop what stands between a label and its value: punctuation, specks, and "is" in a
    sentence."""
    while tokens and (_filler(*tokens[0]) or clean(tokens[0][0]).casefold() in judge.lead_ins):
        tokens = tokens[1:]
    return tokens


def _candidate(spot: Spot, tokens: list[tuple[str, Word]], placement: Placement,
               distance: float, judge: ValueJudge) -> Candidate | None:
    found = _value([t for t, _ in tokens], judge)
    if found is None:
        return None
    value, count = found
    return Candidate(spot, [w for _, w in tokens[:count]], value, placement, distance)


def _run(words: list[Word], taken: dict[int, Spot]) -> list[tuple[str, Word]]:
    """Words up to the first one that belongs to a label."""
    run = []
    for word in words:
        if id(word) in taken:
            break
        run.append((word.text, word))
    return run


def right_of(spot: Spot, line: list[Segment], taken: dict[int, Spot],
             judge: ValueJudge) -> Candidate | None:
    """Value after the label on its line: in its segment, else in the next segment."""
    tokens = [(spot.tail, spot.words[-1])] if spot.tail else []
    tokens = _skip_lead(tokens + _run(spot.segment.words[spot.after:], taken), judge)
    if tokens:
        return _candidate(spot, tokens, "right", 0.0, judge)
    following = [s for s in line if s.x0 >= spot.segment.x1]
    if not following or id(following[0].words[0]) in taken:
        return None
    nxt = following[0]
    tokens = _skip_lead(_run(nxt.words, taken), judge)
    gap = (nxt.x0 - spot.segment.x1) / max(spot.height, 1.0)
    return _candidate(spot, tokens, "right_far", gap, judge)


def _header_cells(header: list[Segment],
                  spots: dict[int, Spot]) -> list[tuple[float, float, object]]:
    """The label line cut into cells: each label spot is one, other words group by segment."""
    cells: list[tuple[float, float, object]] = []
    for segment in header:
        for word in segment.words:
            owner = spots.get(id(word), segment)
            if cells and cells[-1][2] is owner:
                cells[-1] = (cells[-1][0], word.x1, owner)
            else:
                cells.append((word.x0, word.x1, owner))
    return cells


def _owner(word: Word, cells: list[tuple[float, float, object]]) -> object:
    """What the word sits under: the cell of the label line it overlaps most, else the nearest."""
    def closeness(cell: tuple[float, float, object]) -> float:
        shared = overlap(cell[0], cell[1], word.x0, word.x1)
        centre = abs((cell[0] + cell[1]) / 2 - (word.x0 + word.x1) / 2)
        return shared if shared > 0 else -centre

    return max(cells, key=closeness)[2] if cells else None


def vertical(spot: Spot, lines: dict[int, list[Segment]], taken: dict[int, Spot], judge: ValueJudge,
             direction: Literal["below", "above"],
             under: Candidate | None = None) -> Candidate | None:
    """Value in the cell below (or above) the label: the nearest line with words in its column
    (below the cell `under`, if given: the next row of a table)."""
    x0, top, x1, bottom = spot.box
    height = max(spot.height, 1.0)
    label_line = max(spot.lines) if direction == "below" else min(spot.lines)
    cells = _header_cells(lines.get(label_line, []), taken)
    if under is not None:
        label_line = max(w.line for w in under.words)
        bottom = max(w.bottom for w in under.words)
    for step in range(1, BELOW_LINES + 1):
        number = label_line + step if direction == "below" else label_line - step
        words = [w for seg in lines.get(number, []) for w in seg.words
                 if overlap(x0 - height / 2, x1 + height / 2, w.x0, w.x1) > 0
                 and any(c.isalnum() for c in w.text)]  # not a table's rule read as "|"
        if not words:
            continue
        first = words[0]
        gap = (first.top - bottom if direction == "below" else top - first.bottom) / height
        limit = MAX_BELOW if direction == "below" else MAX_ABOVE
        if gap > limit or id(first) in taken or _owner(first, cells) is not spot:
            return None
        segment = next(seg for seg in lines[number] if any(w is first for w in seg.words))
        start = next(i for i, w in enumerate(segment.words) if w is first)
        column = list(takewhile(lambda w: not _under_other(w, cells, spot),
                                segment.words[start:]))
        tokens = _skip_lead(_run(column, taken), judge)
        placement: Placement = direction
        if direction == "above" and _caption_row(spot, cells, lines[number]):
            placement = "above_row"
        found = _candidate(spot, tokens, placement, max(gap, 0.0), judge)
        if found is None or _in_text(found, column):
            return None
        return found
    return None


def _under_other(word: Word, cells: list[tuple[float, float, object]], spot: Spot) -> bool:
    """Does the word sit under (or over) another cell of the label's line than the label's?"""
    return any(owner is not spot and overlap(c0, c1, word.x0, word.x1) > 0
               for c0, c1, owner in cells)


def _in_text(candidate: Candidate, column: list[Word]) -> bool:
    """Is the value only the start of a line of words ("71 allée des Tilleuls", an address
    under a label whose own value is missing), not a cell of its own?"""
    rest = column[next(i for i, w in enumerate(column) if w is candidate.words[-1]) + 1:]
    words = [w.text for w in rest[:TEXT_AFTER]]
    return len(words) == TEXT_AFTER and all(
        any(c.isalpha() for c in t) and not any(c.isdigit() for c in t) for t in words)


def _caption_row(spot: Spot, cells: list[tuple[float, float, object]],
                 above: list[Segment]) -> bool:
    """Is the label one of a row of captions under their values (a payment stub)?"""
    words = [w for seg in above for w in seg.words]
    return any(
        isinstance(owner, Spot) and owner is not spot
        and any(overlap(x0, x1, w.x0, w.x1) > 0 for w in words)
        for x0, x1, owner in cells
    )


def column_below(first: Candidate, lines: dict[int, list[Segment]], taken: dict[int, Spot],
                 judge: ValueJudge) -> list[Candidate]:
    """The cells further down the column of a value found below its caption (a statement's
    table of accounts), each of the first one's shape, up to the first that is not."""
    shape = judge.shape(first.value)
    found: list[Candidate] = []
    cell = first
    while len(found) < MAX_ROWS:
        below = vertical(first.spot, lines, taken, judge, "below", under=cell)
        if below is None or judge.shape(below.value) != shape:
            break
        found.append(below)
        cell = below
    return found


def candidates(spot: Spot, lines: dict[int, list[Segment]], taken: dict[int, Spot],
               judge: ValueJudge) -> list[Candidate]:
    """Every placement where a value for this label was found."""
    line = lines.get(max(spot.lines), [])
    found = [right_of(spot, line, taken, judge)]
    if _ends_segment(spot):  # a caption, not a label inside running text
        below = vertical(spot, lines, taken, judge, "below")
        found.append(below)
        # a cell below is the norm; a value above only when none is, or only a weak one
        # (a table's rule or a speck read as a digit under a payment stub's caption)
        shape = judge.shape(below.value) if below else None
        if shape is None or shape.score < SURE_SHAPE:
            found.append(vertical(spot, lines, taken, judge, "above"))
    return [c for c in found if c is not None]


def _ends_segment(spot: Spot) -> bool:
    """Does nothing but punctuation (or specks) follow the label in its segment?"""
    rest = [(spot.tail, spot.words[-1]), *((w.text, w) for w in spot.segment.words[spot.after:])]
    return all(_filler(text, word) for text, word in rest)
