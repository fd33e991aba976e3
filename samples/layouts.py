"""The layout families: each draws one whole document of its kind on a `Sheet`.

On negatives `Doc.id_pairs` yields look-alikes (customer care line, customer VAT id, your PO)
where the customer number would be, so every family also makes negatives.
"""

from __future__ import annotations

from collections.abc import Callable

from samples.blocks import (
    Pairs,
    address,
    bank_box,
    bank_lines,
    footer,
    grid,
    header,
    items_table,
    kv,
    lines,
    notes,
    recipient,
    terms,
    totals,
)
from samples.doc import Doc, Party
from samples.sheet import GRAY, Sheet, tint


def finish(sh: Sheet, doc: Doc, y: float, texts: list[str] | None = None, page: int = 1,
           pages: int = 1) -> None:
    """Item table, totals, notes (payment terms by default) and the footer."""
    y = totals(sh, doc, items_table(sh, doc, y))
    y = notes(sh, y, terms(doc) if texts is None else texts)
    footer(sh, doc, page, pages, y)


def right_column(sh: Sheet, doc: Doc) -> float:
    """The x where a key/value block beside the address block starts."""
    return sh.margin + sh.inner * doc.rng.uniform(0.5, 0.58)


def two_up(sh: Sheet, y: float, pairs: Pairs) -> float:
    """'Label: value' pairs two to a line across the page."""
    half = sh.inner / 2
    for i in range(0, len(pairs), 2):
        for j, (label, value) in enumerate(pairs[i : i + 2]):
            sh.text(sh.margin + j * half, y, f"{label} {value}", maxw=half - 12)
        y += sh.lead
    return y


def beside_address(sh: Sheet, doc: Doc, y: float, pairs: Pairs, style: str) -> float:
    """Recipient block on the left, `pairs` on the right; returns the y below both."""
    x = right_column(sh, doc)
    end = kv(sh, x, y, pairs, style, sh.right - x, bold_labels=doc.rng.random() < 0.4)
    return max(recipient(sh, doc, y), end) + 12


def inline_pairs(sh: Sheet, doc: Doc) -> None:
    """1. 'Customer No.: 48213-7751' among Invoice No., Date, Order No., PO and Due Date."""
    y = header(sh, doc)
    pairs = doc.with_ids(doc.meta(doc.rng.randint(3, 5)))
    if doc.rng.random() < 0.5:
        y = beside_address(sh, doc, y, pairs, "colon")
    else:
        end = recipient(sh, doc, y)
        if doc.kind in ("retail", "wholesale"):
            ship_to = Party(doc.customer.name, doc.ship_to)
            x = right_column(sh, doc)
            end = max(end, address(sh, x, y, ship_to, doc.pick("ship_to")))
        y = two_up(sh, end + 10, pairs) + 8
    finish(sh, doc, y)


def header_row(sh: Sheet, doc: Doc) -> None:
    """2. Values in the row under a header row ('Klant  Order  Factuurdatum'), any column."""
    y = recipient(sh, doc, header(sh, doc)) + 14
    cols: list[tuple[str | tuple[str, ...], str]] = list(doc.meta(doc.rng.randint(2, 4), raw=True))
    if doc.negative:
        extra = doc.id_pairs(raw=True) if doc.rng.random() < 0.6 else []
    else:
        extra = [(doc.label(i, "col"), doc.show(i)) for i in doc.ids]
    for pair in extra:
        cols.insert(doc.rng.randint(0, len(cols)), pair)
    finish(sh, doc, grid(sh, sh.margin, y, sh.inner, cols, doc.rng.random() < 0.5))


def leaders(sh: Sheet, doc: Doc) -> None:
    """3. Label and value far apart: dot leaders or values flush right."""
    y = header(sh, doc)
    pairs = doc.with_ids(doc.meta(doc.rng.randint(3, 5)))
    style = doc.rng.choice(("dots", "right"))
    if doc.rng.random() < 0.5:
        y = beside_address(sh, doc, y, pairs, style)
    else:
        width = sh.inner * doc.rng.choice((0.55, 0.7, 1.0))
        y = kv(sh, sh.margin, recipient(sh, doc, y) + 12, pairs, style, width) + 8
    finish(sh, doc, y)


def two_column(sh: Sheet, doc: Doc) -> None:
    """4. Bill-to block left, key/value block right with the customer number next to the invoice
    number; or the number printed under the holder's name in the address block."""
    y, rng = header(sh, doc), doc.rng
    pairs = doc.meta(rng.randint(3, 5))
    if rng.random() < 0.5:
        extra = tuple(f"{label} {value}" for label, value in doc.id_pairs())
        end = address(sh, sh.margin, y, doc.customer, doc.pick("bill_to"), extra)
    else:
        end = address(sh, sh.margin, y, doc.customer, doc.pick("bill_to"))
        pairs[1:1] = doc.id_pairs()
    x = right_column(sh, doc)
    y = max(end, kv(sh, x, y, pairs, "tab", sh.right - x, rng.random() < 0.6)) + 12
    finish(sh, doc, y)


def page_two(sh: Sheet, doc: Doc) -> None:
    """5. Page 1 is a summary without the number; page 2 holds the details with it."""
    summary_page(sh, doc)
    sh.next_page()
    m = sh.margin
    y = m + sh.base + 6
    sh.text(m, y, doc.issuer.party.name, sh.base + 2, True, color=sh.accent)
    sh.text(sh.right, y, doc.pick("details"), sh.base + 2, True, "right")
    sh.rule(m, y + 6, sh.right, 0.6)
    y = two_up(sh, y + sh.lead * 2, doc.with_ids(doc.meta(doc.rng.randint(2, 4))))
    finish(sh, doc, y + 10, page=2, pages=2)


def summary_page(sh: Sheet, doc: Doc) -> None:
    """A cover page: addresses, key dates, the account summary and a short letter."""
    m, v = sh.margin, doc.v
    y = header(sh, doc)
    x = right_column(sh, doc)
    facts = kv(sh, x, y, doc.meta(2, "due", "period"), "tab", sh.right - x)
    y = max(recipient(sh, doc, y), facts) + 20
    sh.text(m, y, doc.pick("summary"), sh.base + 2, True, color=sh.accent)
    before = round(doc.rng.uniform(20, 300), 2)
    amounts = (before, -before, doc.gross, doc.gross)
    rows = [(label, doc.money(a)) for label, a in zip(v["sum_rows"], amounts, strict=True)]
    y = kv(sh, m, y + sh.lead * 1.5, rows, "right", sh.inner * 0.6) + 14
    cover = [c.format(p=doc.facts["period"][1], d=doc.facts["due"][1]) for c in v["cover"]]
    y = lines(sh, m, y, [v["greet"], *cover], maxw=sh.inner)
    sh.text(sh.right, y + sh.lead, v["continued"], sh.base - 1, align="right", color=GRAY)
    footer(sh, doc, 1, 2, y + sh.lead)


def split(label: str) -> tuple[str, ...]:
    """A label broken over two lines at its last space or hyphen."""
    for sep in (" ", "-"):
        head, mid, tail = label.rstrip(":").rpartition(sep)
        if head:
            return (head + mid.strip(), tail + label[len(label.rstrip(":")) :])
    return (label,)


def stacked(sh: Sheet, x: float, y: float, rows: list[tuple[tuple[str, ...], str]],
            below: bool) -> float:
    """Two-line labels with the value right of the last line, or on the line below."""
    gap = max(sh.measure(part) for head, _ in rows for part in head) + 12
    for head, value in rows:
        end = lines(sh, x, y, list(head))
        if below:
            sh.text(x, end, value, bold=True)
            end += sh.lead
        else:
            sh.text(x + gap, end - sh.base * 1.4, value)
        y = end + sh.lead * 0.5
    return y


def split_label(sh: Sheet, doc: Doc) -> None:
    """6. Labels split over two lines ('Customer' / 'Number:'), value right of or below them."""
    rng = doc.rng
    y = header(sh, doc)
    ids: list[tuple[tuple[str, ...], str]] = [(doc.split(i), doc.show(i)) for i in doc.ids] or [
        (split(label), value) for label, value in doc.id_pairs(raw=True)]
    rows = [(split(label), value) for label, value in doc.meta(rng.randint(2, 3), raw=True)]
    for row in ids:
        rows.insert(rng.randint(0, len(rows)), row)
    if rng.random() < 0.4:
        y = recipient(sh, doc, y) + 14
        y = grid(sh, sh.margin, y, sh.inner, list(rows), rng.random() < 0.5)
    else:
        x = right_column(sh, doc)
        colon = [((*h[:-1], doc.lab(h[-1])), v) for h, v in rows]
        y = max(recipient(sh, doc, y), stacked(sh, x, y, colon, rng.random() < 0.4)) + 10
    finish(sh, doc, y)


def odd_values(sh: Sheet, doc: Doc) -> None:
    """7. Unusual values (spaces, dashes, letters, '#', long or one-digit) in a common layout."""
    doc.rng.choice((inline_pairs, two_column, leaders, header_row))(sh, doc)


def stub(sh: Sheet, doc: Doc, y: float) -> None:
    """A tear-off payment slip from `y` down: values printed above their labels."""
    m, rng = sh.margin, doc.rng
    sh.rule(m - 12, y, sh.right + 12, 0.6, dash=True)
    sh.text(sh.width / 2, y - 4, doc.pick("stub"), sh.base - 2, align="center", color=GRAY)
    y += sh.lead * 2
    x0 = m + sh.inner * 0.4
    party = doc.issuer.party
    sh.text(m, y, party.name, sh.base + 1, True, maxw=x0 - m - 10)
    lines(sh, m, y + sh.lead, [f"{doc.pick('remit')}:", *party.lines], sh.base - 1,
          maxw=x0 - m - 10)
    if doc.negative:
        cells = [tuple(reversed(doc.facts["invoice"]))]
    else:
        cells = [(doc.show(i), doc.label(i, "full")) for i in doc.ids]
    cells += [(doc.facts["due"][1], doc.facts["due"][0]), (doc.money(doc.gross),
                                                          doc.pick("due_amt"))]
    width = (sh.right - x0) / len(cells)
    boxed = rng.random() < 0.5
    for i, (value, label) in enumerate(cells):
        cx = x0 + i * width
        if boxed:
            sh.box(cx, y - sh.base - 4, width - 6, sh.lead * 2.6, stroke=GRAY)
        sh.text(cx + 4, y, value, sh.base + 1, True, maxw=width - 14)
        sh.text(cx + 4, y + sh.lead * 1.2, label, sh.base - 1.5, maxw=width - 14)
    y += sh.lead * 3.5
    sh.text(x0, y, f"{doc.v['enclosed']}:", sh.base - 0.5)
    sh.box(x0 + sh.measure(doc.v["enclosed"]) + 12, y - sh.base - 2, 110, sh.base + 8)
    address(sh, x0, y + sh.lead * 1.8, doc.customer)


def payment_stub(sh: Sheet, doc: Doc) -> None:
    """8. Bill with a payment stub at the bottom: value above its label, plus the amount due."""
    y = header(sh, doc)
    pairs = doc.meta(doc.rng.randint(3, 4))
    if doc.rng.random() < 0.4:
        pairs = doc.with_ids(pairs)
    y = totals(sh, doc, items_table(sh, doc, beside_address(sh, doc, y, pairs, "tab")))
    iss = doc.issuer
    contact = [f"{doc.pick('care')}: {iss.care} · {iss.web}",
               " · ".join([f"{iss.vat[0]}: {iss.vat[1]}", *bank_lines(doc)[-2:]])]
    y = notes(sh, y, [terms(doc)[0], *contact])
    top = sh.height - sh.margin - sh.lead * 13
    sh.overflow |= y > top - sh.lead
    stub(sh, doc, top)


def in_sentence(sh: Sheet, doc: Doc) -> None:
    """9. The number only inside a sentence ('Please quote your customer number ... ')."""
    y = header(sh, doc)
    y = beside_address(sh, doc, y, doc.meta(doc.rng.randint(3, 5)), "tab")
    if doc.negative:
        said = [doc.pick("inv_say").format(v=doc.facts["invoice"][1])]
    else:
        said = [doc.label(i, "say").format(v=doc.show(i)) for i in doc.ids]
    if doc.rng.random() < 0.4:
        finish(sh, doc, notes(sh, y, [doc.v["greet"], *said]) + 8)
    else:
        first, thanks = terms(doc)
        finish(sh, doc, y, [first, *said, thanks])


def usage(sh: Sheet, doc: Doc, y: float) -> float:
    """Meter, supply point and readings (utility) or line and plan (telecom)."""
    facts, v = doc.facts, doc.v
    keys = [k for k in ("meter", "supply", "line", "period") if k in facts]
    pairs = [(doc.lab(facts[k][0]), facts[k][1]) for k in keys]
    if "meter" in facts:
        old = int(doc.fresh(lambda: str(doc.rng.randint(10000, 60000))))
        new = int(doc.fresh(lambda: str(old + doc.rng.randint(800, 4000))))
        pairs += [(doc.lab(v["reading"][0]), str(old)), (doc.lab(v["reading"][1]), str(new)),
                  (doc.lab(v["usage"]), f"{new - old:,} kWh".replace(",", doc.loc.group))]
    else:
        pairs.append((doc.lab(doc.pick("tariff")), doc.items[0].desc))
    half = len(pairs) // 2 + len(pairs) % 2
    kv(sh, sh.margin, y, pairs[:half], "tab", sh.inner / 2 - 20)
    return kv(sh, sh.margin + sh.inner / 2, y, pairs[half:], "tab", sh.inner / 2) + 6


def dual_ids(sh: Sheet, doc: Doc) -> None:
    """10. Utility/telecom bill printing a customer ID and an account number (both expected)."""
    y, rng = header(sh, doc), doc.rng
    x = right_column(sh, doc)
    pairs = doc.id_pairs() + doc.meta(2, "due")
    if rng.random() < 0.5:
        rng.shuffle(pairs)
    sh.text(x, y, doc.pick("your_account"), sh.base + 1, True, color=sh.accent)
    end = kv(sh, x, y + sh.lead * 1.4, pairs, "tab", sh.right - x - 6)
    sh.box(x - 8, y - sh.base - 6, sh.right - x + 12, end - sh.lead - y + sh.base + 12,
           stroke=sh.accent)
    y = max(recipient(sh, doc, y), end) + 16
    sh.box(sh.margin, y - sh.base - 4, sh.inner, 0.8, fill=tint(sh.accent, 0.5), stroke=None)
    finish(sh, doc, usage(sh, doc, y + sh.lead))


def bank_block(sh: Sheet, doc: Doc) -> None:
    """11. The issuer's bank block ('Account No.', IBAN, sort code...) right under or beside the
    customer number: it is no customer number."""
    y, rng = header(sh, doc), doc.rng
    pairs = doc.with_ids(doc.meta(rng.randint(2, 3)))
    x = right_column(sh, doc)
    if rng.random() < 0.5:
        end = kv(sh, x, y, pairs, "tab", sh.right - x)
        end = bank_box(sh, doc, x, end + sh.lead * 0.5, sh.right - x)
        y = max(recipient(sh, doc, y), end) + 10
    else:
        y = recipient(sh, doc, y) + 14
        end = kv(sh, sh.margin, y, pairs, "tab", x - sh.margin - 12)
        y = max(end, bank_box(sh, doc, x, y, sh.right - x)) + 10
    finish(sh, doc, y)


def neighbours(doc: Doc, taken: Pairs) -> Pairs:
    """Four numbers real bills print right next to the customer number (none in `taken`)."""
    iss, facts = doc.issuer, doc.facts
    near = [iss.vat, (doc.pick("care"), iss.care), (doc.pick("phone"), iss.phone),
            *(facts[k] for k in ("order", "po", "meter", "supply", "line", "policy", "date")
              if k in facts), iss.bank[-2]]
    values = {value for _, value in taken}
    near = [pair for pair in near if pair[1] not in values]
    return [(doc.lab(label), value) for label, value in doc.rng.sample(near, 4)]


def crowded(sh: Sheet, doc: Doc) -> None:
    """12. Look-alikes next to the number: care line on the same line, VAT id above, order,
    meter or IBAN below, or neighbouring table cells."""
    rng, m = doc.rng, sh.margin
    y = header(sh, doc)
    ids = doc.id_pairs()
    near = neighbours(doc, ids)
    variant = rng.choice(("line", "cells", "column"))
    if variant == "cells":
        y = recipient(sh, doc, y) + 14
        cols: list[tuple[str | tuple[str, ...], str]] = [
            (label.rstrip(" :"), value) for label, value in [*near[: 4 - len(ids)], *ids,
                                                             doc.meta(2)[0]]]
        rng.shuffle(cols)
        y = grid(sh, m, y, sh.inner, cols, rng.random() < 0.5)
    elif variant == "column":
        y = beside_address(sh, doc, y, [near[0], *ids, *near[1:]], "tab")
    else:
        y = recipient(sh, doc, y) + 14
        sh.text(m, y, " ".join(near[0]))
        for (label, value), other in zip(ids, near[1:], strict=False):
            y += sh.lead
            sh.text(m, y, f"{label} {value}", bold=rng.random() < 0.5)
            sh.text(sh.right, y, " ".join(other), align="right")
        y = two_up(sh, y + sh.lead, [*doc.meta(2), near[-1]]) + 8
    finish(sh, doc, y)


FAMILIES: dict[str, Callable[[Sheet, Doc], None]] = {
    "inline_pairs": inline_pairs,
    "header_row": header_row,
    "leaders": leaders,
    "two_column": two_column,
    "page_two": page_two,
    "split_label": split_label,
    "odd_values": odd_values,
    "payment_stub": payment_stub,
    "in_sentence": in_sentence,
    "dual_ids": dual_ids,
    "bank_block": bank_block,
    "crowded": crowded,
}
