"""Score a label-value pair: evidence for (label, placement, position, profile) and against it.

The raw score is a product of factors in 0..1; `calibration.json` (fitted by
`bench/calibrate.py` on the generated corpus) maps it to a probability of being right. Without
it confidences would mean nothing, so a missing or unreadable one is an error.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex

from extractor.document.page import Page
from extractor.errors import CalibrationError
from extractor.match.packs import REGEX_TIMEOUT, IssuerProfile
from extractor.match.pairing import Candidate
from extractor.match.validators import VALIDATORS
from extractor.match.values import ValueJudge, normalize
from extractor.text import folded_phrase

CALIBRATION = Path(__file__).with_name("calibration.json")
PLACEMENT = {"right": 1.0, "right_far": 0.95, "below": 0.93, "above_row": 0.9, "above": 0.62}
FUZZY_LABEL = 0.9
CONTEXT_HEIGHTS = 4  # how far (in label heights) above and below a label context words count
CONTEXT_WIDTHS = 3  # and how far (in label widths) after it, or before it on its line
AVOIDED_CONTEXT = 0.3
IN_A_TABLE = ("below", "above", "above_row")  # placements where label and value head a row
IN_BOOKING_TEXT = 0.3  # on a bank's statement, a customer number inside a booking's text
ISSUER_FIT, ISSUER_MISFIT = 1.15, 0.75


@dataclass(slots=True)
class Scored:
    candidate: Candidate
    raw: float
    confidence: float


@lru_cache(maxsize=1)
def load_calibration() -> tuple[list[float], list[float]]:
    """The calibration's raw scores (rising, 0 to 1) and the probabilities they map to."""
    try:
        table = json.loads(CALIBRATION.read_text())
        xs, ys = [float(x) for x in table["raw"]], [float(y) for y in table["calibrated"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CalibrationError(f"{CALIBRATION}: unreadable confidence calibration ({exc}); "
                               "reinstall custid, or fit it with bench/calibrate.py") from exc
    if len(xs) < 2 or len(xs) != len(ys) or xs != sorted(xs):
        raise CalibrationError(f"{CALIBRATION}: the calibration needs as many rising raw scores "
                               "as probabilities, at least two")
    return xs, ys


def calibrate(raw: float) -> float:
    """Piecewise-linear map from raw score to probability of being right."""
    xs, ys = load_calibration()
    raw = min(max(raw, xs[0]), xs[-1])
    i = max(1, bisect.bisect_left(xs, raw))
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 if x1 == x0 else y0 + (y1 - y0) * (raw - x0) / (x1 - x0)


def _near_text(candidate: Candidate, page: Page) -> str:
    """Folded text of the label's segment, of the block around it, of its line before it
    ("Entidad: Banco X - N° de cuenta:"), and of the whole rows of a table's header and cell
    ("Bank Name  Account No." over "HDFC Bank  00030340067212"), for context words."""
    spot = candidate.spot
    x0, top, x1, bottom = spot.box
    reach = CONTEXT_HEIGHTS * spot.height
    width = x1 - x0
    rows = spot.lines | {w.line for w in candidate.words} \
        if candidate.placement in IN_A_TABLE else set()
    near = [w.text for w in spot.segment.words] + [
        w.text for w in page.words
        if (top - reach <= w.center_y <= bottom + reach
            and w.x1 >= x0 - width and w.x0 <= x1 + CONTEXT_WIDTHS * width)
        or (w.line in spot.lines and x0 - CONTEXT_WIDTHS * width <= w.x1 <= x0)
        or w.line in rows
    ]
    return folded_phrase(" ".join(near))


def _issuer_factor(candidate: Candidate, profile: IssuerProfile | None) -> float:
    if profile is None:
        return 1.0
    rules = [n for n in profile.numbers if n.kind == candidate.spot.label.kind]
    if not rules:
        return 1.0
    normalized = normalize(candidate.value)
    for rule in rules:
        shape_ok = rule.regex is None or bool(
            regex.fullmatch(rule.regex, normalized, timeout=REGEX_TIMEOUT))
        check_ok = rule.validator is None or VALIDATORS[rule.validator](normalized)
        if shape_ok and check_ok:
            return ISSUER_FIT
    return ISSUER_MISFIT


def score(candidate: Candidate, page: Page, judge: ValueJudge, contexts: dict[str, list[str]],
          profile: IssuerProfile | None, statement: bool = False) -> Scored:
    """Score one candidate; `contexts` are the packs' context lists folded by `folded_phrase`.
    Bank words near an account label mean the issuer's own account, but on a `statement` (the
    bank's own document) the account is the customer's."""
    label = candidate.spot.label
    factor = label.strength * PLACEMENT[candidate.placement]
    if candidate.spot.fuzzy:
        factor *= FUZZY_LABEL
    if candidate.placement == "right_far" and candidate.distance > 25:
        factor *= 0.9
    shape = judge.shape(candidate.value)
    factor *= shape.score if shape else 0.0
    for look in judge.look_alikes(candidate.value):
        factor *= 1 - look.penalty
    _, top, _, _ = candidate.spot.box
    if page.number == 1:
        factor *= 1.0 if top < page.height / 2 else 0.97
    else:
        factor *= 0.94
    spot = candidate.spot
    if statement and label.kind == "customer_number" and spot.segment.words[0] is not spot.words[0]:
        factor *= IN_BOOKING_TEXT  # "STROMKOSTEN KD.NR.1462347": a payee's customer, not the bank's
    if label.avoid and not statement and normalize(candidate.value).isdigit():  # others' are digits
        near = _near_text(candidate, page)
        if any(phrase in near for name in label.avoid for phrase in contexts[name]):
            factor *= AVOIDED_CONTEXT
    factor *= _issuer_factor(candidate, profile)
    ocr = min(w.conf for w in candidate.words)
    factor *= ocr**0.5
    raw = min(factor, 1.0)
    return Scored(candidate, raw, round(calibrate(raw), 3))
