"""The content of one document: parties, numbers, line items and the labels to print them with.

Identifiers are drawn through `Doc.fresh`, so no two share a compare form (letters and digits
only); the customer numbers are drawn first. Small numbers (quantities, house numbers) are left
to the generator's final check, which redraws a document when one equals a customer number.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from samples import fake
from samples.locales import BY_LANG, LOCALES, ODD_SHAPES, SHAPES
from samples.vocab import KINDS, VOCAB

CUSTOMER, ACCOUNT = "customer_number", "account_number"

INVOICE_SHAPES = {
    "en": ("INV-{Y}-^9999", "^999999", "INV^99999", "{Y}-^999", "^9-^9999"),
    "de": ("RE-{Y}-^9999", "{Y}^9999", "R^999999", "^9999/{y}"),
    "fr": ("F{Y}-^9999", "FA{y}-^999", "^99999"),
    "nl": ("{Y}-^9999", "F{y}^999", "^99999"),
    "es": ("F{Y}/^999", "A-{y}/^9999", "FV{Y}-^99"),
    "it": ("^99/{Y}", "FT-{Y}-^999", "^9/{Y}/E"),
}
FACT_SHAPES = {
    "order": ("SO-^99999", "ORD-^99999", "^9999999", "AB-^99999", "^9-^9999"),
    "po": ("PO-^9999", "45^9999999", "PO ^9999-@", "B^99999"),
    "delivery": ("DN-^99999", "LS-^99999", "BL^99999", "^9999999"),
    "policy": ("POL-^9999999", "^9 ^99 999/9", "^9-^999999-99"),
    "meter": ("^9999999", "E^9@^99999", "^9 999 999 99"),
    "sku": ("ART-^9999", "^9-^999", "SKU ^9999-@", "^99.^99"),
}
# Issuer kinds a family is drawn for (all kinds when absent).
FAMILY_KINDS = {
    "dual_ids": ("telecom", "utility"),
    "page_two": ("telecom", "utility", "insurance", "saas"),
    "payment_stub": ("telecom", "utility", "insurance", "retail"),
}
# Unit price range and highest quantity of a line item, by issuer kind.
PRICES = {
    "telecom": (5, 80, 1), "utility": (12, 260, 1), "retail": (4, 600, 10),
    "saas": (9, 900, 25), "insurance": (40, 1200, 1), "wholesale": (2, 380, 40),
}


@dataclass
class Ident:
    """A customer-type number as labeled: kind, the label it is printed with, the value."""

    kind: str
    label: str
    value: str


@dataclass
class Party:
    """Name and address lines of the issuer or the customer."""

    name: str
    lines: list[str]
    attn: str = ""


@dataclass
class Item:
    """One line of the item table."""

    sku: str
    desc: str
    qty: int
    price: float

    @property
    def total(self) -> float:
        return round(self.qty * self.price, 2)


@dataclass
class Issuer:
    """The company that wrote the document, with its contact, tax, legal and bank details."""

    party: Party
    phone: str
    fax: str  # empty when none is printed
    care: str
    email: str
    web: str
    vat: tuple[str, str]
    extra: tuple[str, str] | None
    legal: list[str]
    bank: list[tuple[str, str]] = field(default_factory=list)


class Doc:
    """Everything one document prints; layouts in `samples.layouts` decide where."""

    def __init__(self, rng: random.Random, family: str, lang: str, negative: bool) -> None:
        self.rng, self.family, self.lang, self.negative = rng, family, lang, negative
        self.loc = LOCALES[rng.choice(BY_LANG[lang])]
        self.v = VOCAB[lang]
        self.kind = rng.choice(FAMILY_KINDS.get(family, KINDS))
        self.used: set[str] = set()
        self.printed: Counter[str] = Counter()
        self.money_fmt = rng.choice(self.loc.money)
        self.date_fmt = rng.choice(self.loc.dates)
        self.colon = rng.choice((" :" if lang == "fr" else ":", ":", ""))
        self.when = date(2023, 1, 2) + timedelta(days=rng.randrange(1000))
        self.ids = [] if negative else self._idents()
        self.issuer = self._issuer()
        self.customer = self._customer()
        self.ship_to = self._address(rng.choice(self.loc.cities))
        self.facts = self._facts()
        self.items = self._items()
        self.rate = rng.choice(self.loc.rates[:1] * 3 + self.loc.rates)
        self.decoys = self._decoys()

    # -- drawing values -------------------------------------------------------------------------

    def pick(self, key: str) -> str:
        """One of the vocabulary's alternatives for `key` (or its only value)."""
        value = self.v[key]
        return self.rng.choice(value) if isinstance(value, list) else value

    def fresh(self, make: Callable[[], str]) -> str:
        """A value from `make` whose compare form no other number on the document has."""
        for _ in range(200):
            value = make()
            key = fake.norm(value)
            if key not in self.used:
                self.used.add(key)
                return value
        raise RuntimeError("no fresh value")

    def pat(self, shape: str) -> str:
        """A fresh value of a shape (see `fake.pattern`); `{Y}`/`{y}` is the document's year."""
        year = self.when.year
        return self.fresh(lambda: fake.pattern(self.rng, shape).format(Y=year, y=year % 100))

    def shape(self, key: str) -> str:
        return self.pat(self.rng.choice(FACT_SHAPES[key]))

    # -- formatting -----------------------------------------------------------------------------

    def money(self, value: float) -> str:
        return fake.money(self.loc, self.money_fmt, value)

    def day(self, when: date) -> str:
        return fake.day(self.date_fmt, when, self.v["months"])

    def dated(self, text: str) -> bool:
        """Does `text` print the date of issue? (No other date of the document equals it.)"""
        return self.facts["date"][1] in text

    def lab(self, label: str) -> str:
        """A label as this document prints it, with or without a trailing colon."""
        return label if label.endswith((":", "#")) else label + self.colon

    def title(self) -> str:
        kind = {"telecom": "bill", "utility": "bill"}.get(self.kind, "invoice")
        if self.family == "page_two":
            kind = self.rng.choice(("bill", "statement"))
        return self.rng.choice(self.v["title"][kind])

    # -- the customer numbers -------------------------------------------------------------------

    def show(self, ident: Ident) -> str:
        """The value of `ident`, counted as printed once more."""
        self.printed[ident.value] += 1
        return ident.value

    def label(self, ident: Ident, style: str) -> str:
        """A label for `ident`: style `col` (table header), `say` (a sentence) or `full`."""
        if style == "full":
            return ident.label
        key = "cust" if ident.kind == CUSTOMER else "acct"
        return self.rng.choice(self.v[f"{key}_{style}"])

    def split(self, ident: Ident) -> tuple[str, str]:
        """A label broken over two lines, e.g. ('Customer', 'Number')."""
        key = "cust" if ident.kind == CUSTOMER else "acct"
        return self.rng.choice(self.v[f"{key}_split"])

    def id_pairs(self, raw: bool = False) -> list[tuple[str, str]]:
        """Label/value pairs of the customer numbers, or misleading look-alikes on negatives.

        Labels end in the document's colon style unless `raw`.
        """
        if self.negative:
            pairs = self.decoys[: self.rng.choice((1, 1, 2))]
        else:
            pairs = [(i.label, self.show(i)) for i in self.ids]
        return pairs if raw else [(self.lab(label), value) for label, value in pairs]

    def meta(self, count: int, *extra: str, raw: bool = False) -> list[tuple[str, str]]:
        """Invoice number and date, then `count - 2` more facts (and the named `extra` ones)."""
        optional = [k for k in ("order", "po", "due", "delivery")
                    if k in self.facts and k not in extra]
        picked = self.rng.sample(optional, max(0, min(len(optional), count - 2)))
        keys = ["invoice", "date", *picked, *extra]
        pairs = [self.facts[k] for k in keys if k in self.facts]
        return pairs if raw else [(self.lab(label), value) for label, value in pairs]

    def with_ids(self, pairs: list[tuple[str, str]], raw: bool = False) -> list[tuple[str, str]]:
        """`pairs` with the id pairs (and at times a look-alike) inserted after the first."""
        out, ids = list(pairs), self.id_pairs(raw)
        if not self.negative and self.rng.random() < 0.25:
            label, value = self.decoys[0]
            ids.append((label if raw else self.lab(label), value))
        for pair in ids:
            out.insert(self.rng.randint(min(1, len(out)), len(out)), pair)
        return out

    # -- totals ---------------------------------------------------------------------------------

    @property
    def net(self) -> float:
        return round(sum(i.total for i in self.items), 2)

    @property
    def tax(self) -> float:
        return round(self.net * self.rate / 100, 2)

    @property
    def gross(self) -> float:
        return round(self.net + self.tax, 2)

    # -- building -------------------------------------------------------------------------------

    def _idents(self) -> list[Ident]:
        if self.family == "dual_ids":
            return [self._ident(CUSTOMER), self._ident(ACCOUNT)]
        share = {"telecom": 0.55, "utility": 0.55, "saas": 0.2}.get(self.kind, 0.0)
        return [self._ident(ACCOUNT if self.rng.random() < share else CUSTOMER)]

    def _ident(self, kind: str) -> Ident:
        shapes = ODD_SHAPES if self.family == "odd_values" else SHAPES[self.kind]
        label = self.rng.choice(self.v["cust" if kind == CUSTOMER else "acct"])
        return Ident(kind, label, self.pat(self.rng.choice(shapes)))

    def _person(self) -> str:
        return f"{self.rng.choice(self.loc.first)} {self.rng.choice(self.loc.last)}"

    def _company(self, kind: str, city: str) -> str:
        last, last2 = self.rng.sample(self.loc.last, 2)
        name = self.rng.choice(self.v["names"][kind]).format(
            brand=fake.brand(self.rng), city=city, last=last, last2=last2)
        return f"{name} {self.rng.choice(self.loc.forms)}"

    def _address(self, city: tuple[str, str, str]) -> list[str]:
        name, region, zip_shape = city
        street = self.loc.street_fmt.format(n=self.rng.randint(1, 180),
                                            s=self.rng.choice(self.loc.streets))
        line = self.loc.city_line.format(city=name, CITY=name.upper(), region=region,
                                         zip=self.pat(zip_shape))
        return [street, *line.split("\n")]

    def _issuer(self) -> Issuer:
        loc, rng = self.loc, self.rng
        city = rng.choice(loc.cities)
        name = self._company(self.kind, city[0])
        domain = f"{fake.slug(name)}.{loc.tld}"
        extra = (loc.extra_id[0], self.pat(loc.extra_id[1])) if loc.extra_id else None
        keys = {"city": city[0], "region": city[1], "name": name, "person": self._person(),
                "extra": extra[1] if extra else ""}
        issuer = Issuer(
            party=Party(name, self._address(city)),
            phone=self.pat(rng.choice(loc.phones)),
            fax=self.pat(rng.choice(loc.phones)) if rng.random() < 0.4 else "",
            care=self.pat(rng.choice(loc.care)),
            email=f"{self.pick('mailbox')}@{domain}",
            web=f"www.{domain}",
            vat=(loc.vat[0], self.pat(loc.vat[1])),
            extra=extra,
            legal=[fake.pattern(rng, t).format(**keys) for t in loc.legal],
        )
        issuer.bank = self._bank(name, city[0])
        return issuer

    def _bank(self, holder: str, city: str) -> list[tuple[str, str]]:
        """The issuer's bank details as label/value pairs, in the country's style."""
        loc, rng = self.loc, self.rng
        pairs = [(self.pick("bank"), rng.choice(loc.banks).format(city=city))]
        if rng.random() < 0.4:
            pairs.append((self.pick("holder"), holder))
        acct = self.pick("bank_acct")
        if loc.bank_style == "us":
            return [*pairs, ("Routing No. (ABA)", self.pat("0^9999999")),
                    (acct, self.pat("^9999999999")), ("SWIFT", fake.bic(rng, "US"))]
        if loc.bank_style == "in":
            return [*pairs, (acct, self.pat("^99999999999999")),
                    ("IFSC", self.pat("@@@@0^99999")), ("Branch", city)]
        code = self.fresh(lambda: fake.iban(rng, loc.iban_country))
        if loc.bank_style == "gb":
            pairs += [("Sort Code", f"{code[8:10]}-{code[10:12]}-{code[12:14]}"),
                      (acct, self.fresh(lambda: code[14:]))]
        elif self.family == "bank_block" or rng.random() < 0.5:
            pairs += self._legacy(code, acct)
        shown = fake.spaced(code) if rng.random() < 0.8 else code
        nl_acct = loc.iban_country == "NL" and (self.family == "bank_block" or rng.random() < 0.4)
        label = acct if nl_acct else "IBAN"
        return [*pairs, (label, shown), ("BIC", fake.bic(rng, loc.iban_country))]

    def _legacy(self, code: str, acct: str) -> list[tuple[str, str]]:
        """National account details printed with the IBAN (BLZ/Konto, RIB, CCC, ABI/CAB)."""
        country, bban = code[:2], code[4:]
        if country == "DE":
            return [(acct, self.fresh(lambda: bban[8:].lstrip("0"))),
                    ("BLZ", f"{bban[:3]} {bban[3:6]} {bban[6:8]}")]
        if country == "FR":
            return [("Code banque", bban[:5]), ("Code guichet", bban[5:10]),
                    (acct, self.fresh(lambda: bban[10:21])), ("Clé RIB", bban[21:])]
        if country == "ES":
            return [(acct, self.fresh(lambda: f"{bban[:4]} {bban[4:8]} {bban[8:10]} {bban[10:]}"))]
        if country == "IT":
            return [("ABI", bban[1:6]), ("CAB", bban[6:11]), (acct, self.fresh(lambda: bban[11:]))]
        return []

    def _customer(self) -> Party:
        business = self.rng.random() < (0.75 if self.kind in ("wholesale", "saas") else 0.3)
        city = self.rng.choice(self.loc.cities)
        lines = self._address(city)
        if self.rng.random() < 0.1:
            lines.append(self.loc.country)
        if not business:
            return Party(self._person(), lines)
        attn = f"{self.v['attn']} {self._person()}" if self.rng.random() < 0.5 else ""
        return Party(self._company(self.rng.choice(KINDS[2:]), city[0]), lines, attn)

    def _facts(self) -> dict[str, tuple[str, str]]:
        """Label/value pairs of the other numbers and dates a document of this kind prints."""
        rng, v = self.rng, self.v
        due = self.when + timedelta(days=rng.choice((10, 14, 14, 30, 30)))
        start = (self.when.replace(day=1) - timedelta(days=1)).replace(day=1)
        end = self.when.replace(day=1) - timedelta(days=1)
        facts = {
            "invoice": (self.pick("invoice_no"), self.pat(rng.choice(INVOICE_SHAPES[self.lang]))),
            "date": (self.pick("date"), self.day(self.when)),
            "due": (self.pick("due"), self.day(due)),
            "period": (self.pick("period"), f"{self.day(start)} {v['to']} {self.day(end)}"),
        }
        wanted = {"telecom": ("line", "order"), "utility": ("meter", "supply", "order"),
                  "insurance": ("policy",)}.get(self.kind, ("order", "po", "delivery"))
        for key in wanted:
            facts[key] = self._fact(key)
        return facts

    def _fact(self, key: str) -> tuple[str, str]:
        if key == "line":
            return self.pick("line"), self.pat(self.rng.choice(self.loc.phones))
        if key == "supply":
            label, shape = self.loc.supply or (self.pick("meter"), FACT_SHAPES["meter"][0])
            return label, self.pat(shape)
        labels = {"po": "po_no", "delivery": "delivery_no", "order": "order_no"}
        return self.pick(labels.get(key, key)), self.shape(key)

    def _items(self) -> list[Item]:
        low, high, most = PRICES[self.kind]
        count = self.rng.randint(2, 4 if self.family == "payment_stub" else 5)
        with_sku = self.kind in ("retail", "wholesale") and self.rng.random() < 0.7
        return [
            Item(sku=self.shape("sku") if with_sku else "", desc=desc,
                 qty=self.rng.randint(1, most), price=round(self.rng.uniform(low, high), 2))
            for desc in self.rng.sample(self.v["items"][self.kind], count)
        ]

    def _decoys(self) -> list[tuple[str, str]]:
        """Pairs that look like customer numbers but are not: care line, customer VAT, your PO."""
        pairs = [
            (self.pick("care"), self.issuer.care),
            (self.rng.choice(self.loc.cust_vat), self.pat(self.loc.vat[1])),
            (self.pick("cust_ref"), self.shape("po")),
        ]
        self.rng.shuffle(pairs)
        return pairs
