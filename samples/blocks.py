"""Parts every invoice has: header, address blocks, key/value blocks, tables, totals, footer.

Each part draws at a top `y` and returns the `y` below it.
"""

from __future__ import annotations

from dataclasses import dataclass

from samples import fake
from samples.doc import Doc, Party
from samples.sheet import GRAY, WHITE, Sheet, tint

Pairs = list[tuple[str, str]]


@dataclass
class Masthead:
    """What the page header prints, and how big."""

    name: str
    title: str
    contact: list[str]
    size: float
    title_size: float
    small: float
    logo: bool


def header(sh: Sheet, doc: Doc) -> float:
    """Issuer name big at the top, its address and contacts below, the document title opposite."""
    rng, iss = doc.rng, doc.issuer
    contact = [", ".join(iss.party.lines),
               f"{doc.pick('phone')} {iss.phone} · {iss.email} · {iss.web}"]
    head = Masthead(iss.party.name, doc.title(), contact, rng.uniform(14, 21), rng.uniform(13, 19),
                    sh.base - 1, rng.random() < 0.6)
    return rng.choice((_left, _left, _centered, _right, _band))(sh, head)


def _band(sh: Sheet, h: Masthead) -> float:
    m, y = sh.margin, sh.margin + h.size
    sh.box(m, m - 6, sh.inner, h.size + 22, fill=sh.accent, stroke=None)
    sh.text(m + 10, y + 4, h.name, h.size, True, color=WHITE, maxw=sh.inner * 0.6)
    sh.text(sh.right - 10, y + 4, h.title, h.title_size, True, "right", WHITE, sh.inner * 0.35)
    return lines(sh, m, y + 36, h.contact, h.small, maxw=sh.inner) + 12


def _centered(sh: Sheet, h: Masthead) -> float:
    y, mid = sh.margin + h.size, sh.width / 2
    sh.text(mid, y, h.name, h.size, True, "center", sh.accent, sh.inner)
    y = lines(sh, mid, y + h.small * 1.6, h.contact, h.small, "center", sh.inner)
    sh.rule(sh.margin, y - h.small * 0.6, sh.right, 0.8, sh.accent)
    sh.text(sh.margin, y + h.title_size + 4, h.title, h.title_size, True)
    return y + h.title_size + 24


def _right(sh: Sheet, h: Masthead) -> float:
    y = sh.margin + h.size
    sh.text(sh.right, y, h.name, h.size, True, "right", sh.accent, sh.inner * 0.6)
    sh.text(sh.margin, y, h.title, h.title_size, True, maxw=sh.inner * 0.35)
    y = lines(sh, sh.right, y + h.small * 1.6, h.contact, h.small, "right", sh.inner * 0.6)
    return y + 14


def _left(sh: Sheet, h: Masthead) -> float:
    x, y = sh.margin, sh.margin + h.size
    if h.logo:
        sh.box(x, y - h.size * 0.85, h.size, h.size, fill=sh.accent, stroke=None)
        x += h.size * 1.4
    sh.text(x, y, h.name, h.size, True, maxw=sh.inner * 0.6)
    sh.text(sh.right, y, h.title, h.title_size, True, "right", sh.accent, sh.inner * 0.35)
    return lines(sh, x, y + h.small * 1.6, h.contact, h.small, maxw=sh.inner * 0.6) + 14


def lines(sh: Sheet, x: float, y: float, texts: list[str], size: float = 0.0, align: str = "left",
          maxw: float = 0.0, bold_first: bool = False) -> float:
    """Lines of text from baseline `y`; returns the baseline after the last."""
    size = size or sh.base
    for i, text in enumerate(texts):
        sh.text(x, y, text, size, bold_first and i == 0, align, maxw=maxw)
        y += size * 1.4
    return y


def sender_line(sh: Sheet, doc: Doc, x: float, y: float) -> float:
    """The tiny return address above a window-envelope address."""
    party = doc.issuer.party
    text = " · ".join([party.name, *party.lines])
    width = sh.text(x, y, text, sh.base - 2.5, color=GRAY, maxw=sh.inner * 0.45)
    sh.rule(x, y + 2, x + width, 0.3, GRAY)
    return y + sh.base + 4


def address(sh: Sheet, x: float, y: float, party: Party, heading: str = "",
            extra: tuple[str, ...] = ()) -> float:
    """A recipient block: optional heading, name, `extra` lines, attention line, address."""
    if heading:
        sh.text(x, y, heading, sh.base - 0.5, True, color=sh.accent)
        y += sh.lead * 1.1
    texts = [party.name, *extra, *([party.attn] if party.attn else []), *party.lines]
    return lines(sh, x, y, texts, sh.base + 0.5, maxw=sh.inner * 0.45, bold_first=True)


def recipient(sh: Sheet, doc: Doc, y: float) -> float:
    """The customer's address at the left margin, under a sender line or a heading or neither."""
    if doc.lang != "en" and doc.rng.random() < 0.6:
        return address(sh, sh.margin, sender_line(sh, doc, sh.margin, y) + 4, doc.customer)
    heading = doc.pick("bill_to") if doc.rng.random() < 0.7 else ""
    return address(sh, sh.margin, y, doc.customer, heading)


def kv(sh: Sheet, x: float, y: float, pairs: Pairs, style: str = "colon", width: float = 0.0,
       bold_labels: bool = False) -> float:
    """Label/value pairs, one per line: `colon` ('Label: value'), `tab` (values in a column),
    `right` (values flush right at x + width) or `dots` (dot leaders up to the value)."""
    gap = max(sh.measure(label, bold=bold_labels) for label, _ in pairs) + 10
    for label, value in pairs:
        if style == "colon":
            sh.text(x, y, f"{label} {value}", maxw=width or sh.inner)
        else:
            sh.text(x, y, label, bold=bold_labels)
        if style == "tab":
            sh.text(x + gap, y, value, maxw=max(width - gap, 40) if width else 0)
        elif style in ("right", "dots"):
            sh.text(x + width, y, value, align="right")
        if style == "dots":
            room = width - sh.measure(label, bold=bold_labels) - sh.measure(value) - 8
            sh.text(x + width - sh.measure(value) - 4, y, "." * int(room / sh.measure(".")),
                    align="right")
        y += sh.lead
    return y


def grid(sh: Sheet, x: float, y: float, width: float, cols: list[tuple[str | tuple[str, ...], str]],
         boxed: bool) -> float:
    """A header row of labels with the values in the row below (one or two header lines)."""
    cell, hsize = width / len(cols), sh.base - 0.5
    rows = max(len(h) if isinstance(h, tuple) else 1 for h, _ in cols)
    head_h, value_h = rows * hsize * 1.35 + 6, sh.base * 1.6 + 6
    if boxed:
        sh.box(x, y, width, head_h, fill=tint(sh.accent, 0.85), stroke=GRAY)
        sh.box(x, y + head_h, width, value_h, stroke=GRAY)
    else:
        sh.rule(x, y, x + width, 0.8)
        sh.rule(x, y + head_h, x + width, 0.4)
    for i, (head, value) in enumerate(cols):
        cx = x + i * cell + 4
        texts = head if isinstance(head, tuple) else (head,)
        lines(sh, cx, y + hsize + 3, list(texts), hsize, maxw=cell - 8)
        sh.text(cx, y + head_h + sh.base + 4, value, maxw=cell - 8)
    return y + head_h + value_h + 14


def items_table(sh: Sheet, doc: Doc, y: float) -> float:
    """The line items: [pos] [item code] description, then quantity, unit price and amount."""
    rng = doc.rng
    flush = {"amount": sh.right - 4, "unit": sh.right - 90, "qty": sh.right - 170}
    left, x = {}, sh.margin + 4
    for key, shown, width in (("pos", rng.random() < 0.5, 24),
                              ("sku", any(i.sku for i in doc.items), 64), ("desc", True, 0)):
        if shown:
            left[key], x = x, x + width
    ends = [*list(left.values())[1:], flush["qty"] - 36]
    y = _table_head(sh, doc, y, left, flush)
    plain = rng.random() < 0.5
    for n, item in enumerate(doc.items, 1):
        y += sh.lead * 1.2
        unit, total = (fake.amount(doc.loc, v) if plain else doc.money(v)
                       for v in (item.price, item.total))
        cells = {"pos": str(n), "sku": item.sku, "desc": item.desc, "qty": str(item.qty),
                 "unit": unit, "amount": total}
        for (key, x), end in zip(left.items(), ends, strict=True):
            sh.text(x, y, cells[key], maxw=end - x - 6)
        for key, x in flush.items():
            sh.text(x, y, cells[key], align="right")
    sh.rule(sh.margin, y + sh.lead * 0.6, sh.right, 0.4)
    return y + sh.lead * 1.6


def _table_head(sh: Sheet, doc: Doc, y: float, left: dict[str, float],
                flush: dict[str, float]) -> float:
    """The item table's header row on a tinted bar or between rules."""
    cols = doc.v["cols"]
    if doc.rng.random() < 0.5:
        sh.box(sh.margin, y, sh.inner, sh.lead + 4, fill=tint(sh.accent, 0.8), stroke=None)
    else:
        sh.rule(sh.margin, y, sh.right, 0.8)
    base = y + sh.base + 3
    for key, x in left.items():
        sh.text(x, base, cols[key], bold=True)
    for key, x in flush.items():
        sh.text(x, base, cols[key], bold=True, align="right")
    y += sh.lead + 4
    sh.rule(sh.margin, y, sh.right, 0.4)
    return y


def totals(sh: Sheet, doc: Doc, y: float) -> float:
    """Net, tax and total, flush right under the item table."""
    loc, x, right = doc.loc, sh.right - 200, sh.right - 4
    taxes = [(f"{loc.tax} {fake.rate_text(loc, doc.rate)}", doc.tax)]
    if loc.code == "en-IN":
        half = fake.rate_text(loc, doc.rate / 2)
        taxes = [(f"CGST {half}", doc.tax / 2), (f"SGST {half}", doc.tax - round(doc.tax / 2, 2))]
    for label, value in [(doc.pick("subtotal"), doc.net), *taxes]:
        sh.text(x, y, label)
        sh.text(right, y, doc.money(value), align="right")
        y += sh.lead
    sh.rule(x, y - sh.lead * 0.55, sh.right, 0.8)
    y += sh.lead * 0.3
    sh.text(x, y, doc.pick("total"), sh.base + 1, True)
    sh.text(right, y, doc.money(doc.gross), sh.base + 1, True, "right")
    return y + sh.lead * 2


def notes(sh: Sheet, y: float, texts: list[str]) -> float:
    """Free text lines (terms, thanks, payment notes) across the page."""
    return lines(sh, sh.margin, y, texts, sh.base - 0.5, maxw=sh.inner)


def terms(doc: Doc) -> list[str]:
    """The usual payment-terms and thank-you lines."""
    days = doc.rng.choice((14, 30))
    return [doc.pick("terms").format(d=days), doc.pick("thanks")]


def bank_lines(doc: Doc) -> list[str]:
    """The issuer's bank details as 'Label: value' lines."""
    return [f"{label}: {value}" for label, value in doc.issuer.bank]


def bank_box(sh: Sheet, doc: Doc, x: float, y: float, width: float) -> float:
    """The issuer's bank details under a heading, values in a column."""
    sh.text(x, y, doc.pick("bank_title"), sh.base, True, color=sh.accent)
    pairs = [(doc.lab(label), value) for label, value in doc.issuer.bank]
    return kv(sh, x, y + sh.lead * 1.2, pairs, "tab", width)


def footer(sh: Sheet, doc: Doc, page: int = 1, pages: int = 1, y_end: float = 0.0) -> None:
    """Legal, contact, tax and bank details at the bottom of the page.

    Marks the sheet as overflowing when the content above it ended lower than `y_end` allows.
    """
    iss, size = doc.issuer, max(6.0, sh.base - 2.5)
    ids = [f"{iss.vat[0]}: {iss.vat[1]}", *([f"{iss.extra[0]}: {iss.extra[1]}"] if iss.extra
                                            else [])]
    contact = [f"{doc.pick('phone')} {iss.phone}",
               *([f"{doc.pick('fax')} {iss.fax}"] if iss.fax else []),
               f"{doc.pick('email')}: {iss.email}", f"{doc.pick('web')}: {iss.web}",
               f"{doc.pick('care')}: {iss.care}"]
    groups = [[iss.party.name, *iss.party.lines, *iss.legal], contact + ids, bank_lines(doc)]
    page_text = doc.pick("page").format(n=page, m=pages)
    if doc.rng.random() < 0.5:
        rows = max(len(g) for g in groups)
        top = sh.height - sh.margin - rows * size * 1.35
        width = sh.inner / 3
        for i, group in enumerate(groups):
            lines(sh, sh.margin + i * width, top, group, size, maxw=width - 8)
    else:
        texts = [" · ".join(g) for g in groups]
        top = sh.height - sh.margin - len(texts) * size * 1.35
        lines(sh, sh.width / 2, top, texts, size, "center", sh.inner)
    sh.rule(sh.margin, top - size * 1.4, sh.right, 0.4, GRAY)
    if pages > 1 or doc.rng.random() < 0.5:
        sh.text(sh.right, top - size * 2.2, page_text, size, align="right")
    sh.overflow |= y_end > top - size * 3.2
