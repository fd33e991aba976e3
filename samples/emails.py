"""Deterministic generator of labeled welcome emails and e-bills as .eml files.

    python -m samples.emails OUT --count N --seed S

writes OUT/mail-00001.eml ... and OUT/labels.jsonl in the format of `samples.generator`:
`{"file", "expected": [{"kind", "value"}], "language", "style"}`. Bodies are HTML (detail
tables, stacked label/value cells, header rows, inline fields), plain text (aligned, label above
value, fields glued together) or both; charsets utf-8, iso-8859-1 and windows-1252 in
quoted-printable, base64 or 8bit; some carry a PDF bill of the base generator or are forwarded
as message/rfc822. Look-alikes (order and tracking codes, phones, dates, amounts) stand next to
the numbers; about a quarter of the emails carry no customer or account number at all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import random
import tempfile
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from samples.email_vocab import COMPANIES, MAILBOXES, NAMES, TLDS, VOCAB, EmailVocab
from samples.generator import generate, write_labels

LANGUAGES = tuple(VOCAB)
HTML_STYLES = ("table", "stacked", "header", "inline")
TEXT_STYLES = ("aligned", "above", "glued")
CHARSETS = ("utf-8", "iso-8859-1", "windows-1252")
ENCODINGS = ("quoted-printable", "base64", "8bit")
NEGATIVE_SHARE, ATTACH_SHARE, FORWARD_SHARE = 0.25, 0.25, 0.1
Field = tuple[str, str]  # label, value as printed


def _digits(rng: random.Random, low: int, high: int) -> str:
    count = rng.randint(low, high)
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(count - 1))


def _number(rng: random.Random, kind: str) -> str:
    """A customer or account number in one of the shapes issuers print."""
    shape = rng.randrange(4)
    if shape == 0:
        return _digits(rng, 6, 10)
    if shape == 1:
        prefix = "KD" if kind == "customer_number" else "ACC"
        return f"{rng.choice([prefix, 'C', 'CU', 'A'])}-{_digits(rng, 5, 8)}"
    if shape == 2:
        return f"{_digits(rng, 3, 4)} {_digits(rng, 3, 4)} {_digits(rng, 2, 3)}"
    return f"{_digits(rng, 4, 4)}-{_digits(rng, 4, 6)}"


def _look_alikes(rng: random.Random, v: EmailVocab, lang: str) -> list[Field]:
    """Order, tracking and invoice codes, a phone, a date and an amount."""
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2021, 2025)
    date = (f"{month:02d}/{day:02d}/{year}" if lang == "en" else
            rng.choice([f"{day:02d}.{month:02d}.{year}", f"{day:02d}/{month:02d}/{year}"]))
    whole, cents = rng.randint(9, 480), rng.randint(0, 99)
    amount = (f"${whole}.{cents:02d}" if lang == "en" else
              rng.choice([f"{whole},{cents:02d} €", f"EUR {whole},{cents:02d}"]))
    phone = {"en": "1-800-{a}-{b}", "de": "+49 30 {a}{b}", "fr": "01 {a2} {b2} {c2} {d2}",
             "nl": "+31 20 {a} {b}", "es": "+34 91 {a} {b}", "it": "800 {a} {b}"}[lang]
    fields = [
        (rng.choice(v["order"]), rng.choice([f"ORD-{year}-{_digits(rng, 5, 6)}",
                                              f"#{_digits(rng, 7, 9)}",
                                              f"{_digits(rng, 3, 3)}-{_digits(rng, 7, 7)}"])),
        (rng.choice(v["tracking"]), rng.choice([f"1Z{_digits(rng, 3, 3)}AA{_digits(rng, 10, 10)}",
                                                 f"JJD{_digits(rng, 14, 16)}",
                                                 _digits(rng, 18, 20)])),
        (rng.choice(v["invoice"]), rng.choice([f"INV-{year}-{_digits(rng, 5, 5)}",
                                                f"{year}{_digits(rng, 6, 6)}"])),
        (rng.choice(v["phone"]), phone.format(a=_digits(rng, 3, 3), b=_digits(rng, 4, 4),
                                              a2=_digits(rng, 2, 2), b2=_digits(rng, 2, 2),
                                              c2=_digits(rng, 2, 2), d2=_digits(rng, 2, 2))),
        (rng.choice(v["date"]), date),
        (rng.choice(v["amount"]), amount),
    ]
    return rng.sample(fields, rng.randint(2, len(fields)))


class _Mail:
    """One email's content: fields (ids among look-alikes), prose and the chosen layout."""

    def __init__(self, rng: random.Random, lang: str, negative: bool) -> None:
        self.rng, self.lang, self.v = rng, lang, VOCAB[lang]
        self.company, slug = rng.choice(COMPANIES)
        self.domain = f"{slug}.{TLDS[lang]}"
        self.person = rng.choice(NAMES)
        self.welcome = rng.random() < 0.5
        self.ids: list[tuple[str, str]] = []
        if not negative:
            kinds = rng.choice([["customer_number"], ["account_number"],
                                ["customer_number", "account_number"]])
            self.ids = [(kind, _number(rng, kind)) for kind in kinds]
        fields = _look_alikes(rng, self.v, lang)
        for kind, value in self.ids:
            label = rng.choice(self.v["cust" if kind == "customer_number" else "acct"])
            shown = f"#{value}" if rng.random() < 0.1 and value[0].isdigit() else value
            fields.insert(rng.randint(0, len(fields)), (label, shown))
        self.fields = fields

    def fill(self, key: str) -> str:
        return self.rng.choice(self.v[key]).format(company=self.company, name=self.person,
                                                   v=self.ids[0][1] if self.ids else "")

    def prose(self) -> tuple[str, str, list[str]]:
        """Greeting, opening sentence and closing lines."""
        opening = self.fill("welcome" if self.welcome else "bill")
        if self.ids and self.ids[0][0] == "customer_number" and self.rng.random() < 0.3:
            opening += " " + self.fill("say")
        return self.fill("hello"), opening, [self.fill("closing"), self.company,
                                             self.fill("footer")]

    def subject(self) -> str:
        return self.fill("subject_welcome" if self.welcome else "subject_bill")

    def html(self, style: str) -> str:
        hello, opening, closing = self.prose()
        esc = html.escape
        colon = self.rng.choice([":", ""])
        if style == "table":
            rows = "".join(f'<tr><td style="padding:4px">{esc(k)}{colon}</td>'
                           f"<td><strong>{esc(v)}</strong></td></tr>\n" for k, v in self.fields)
            details = f'<table cellpadding="0" border="0">\n{rows}</table>'
        elif style == "stacked":
            labels = "<br>".join(esc(k) + colon for k, _ in self.fields)
            values = "<br>\n".join(esc(v) for _, v in self.fields)
            details = f"<table><tr><td>{labels}</td>\n<td>{values}</td></tr></table>"
        elif style == "header":
            heads = "".join(f"<th>{esc(k)}</th>" for k, _ in self.fields)
            cells = "".join(f"<td>{esc(v)}</td>" for _, v in self.fields)
            details = f"<table>\n<tr>{heads}</tr>\n<tr>{cells}</tr>\n</table>"
        else:
            end = self.rng.choice(["", "."])
            details = "".join(f"<p>{esc(k)}: <b>{esc(v)}</b>{end}</p>\n" for k, v in self.fields)
        return (
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>"
            f"{esc(self.subject())}</title><style>td{{font-family:Arial}} .x{{color:#333}}</style>"
            "</head><body>\n"
            '<table width="100%" cellpadding="0"><tr><td width="20">&nbsp;</td><td>\n'
            f'<div><img src="cid:logo" alt=""> <h1>{esc(self.company)}</h1></div>\n'
            f"<p>{esc(hello)}</p>\n<p>{esc(opening)}</p>\n{details}\n"
            + "".join(f"<p>{esc(line)}</p>\n" for line in closing)
            + '</td><td width="20">&nbsp;</td></tr></table>\n'
            "<script>track('open');</script></body></html>\n"
        )

    def text(self, style: str) -> str:
        hello, opening, closing = self.prose()
        if style == "aligned":
            width = max(len(k) for k, _ in self.fields) + 3
            details = "\n".join(f"{k + ':':<{width}}{v}" for k, v in self.fields)
        elif style == "above":
            details = "\n\n".join(f"{k}:\n{v}" for k, v in self.fields)
        else:  # fields run together, as HTML-to-text converters print table cells
            details = "".join(f"{k}:\n{v}" for k, v in self.fields)
        return "\n\n".join([hello, opening, details, *closing]) + "\n"

    def flattened(self) -> str:
        """A plain alternative that lists all labels, then all values."""
        hello, opening, closing = self.prose()
        labels = "\n".join(f"{k}:" for k, _ in self.fields)
        values = "\n".join(v for _, v in self.fields)
        return "\n\n".join([hello, opening, labels, values, *closing]) + "\n"


def _set_text(message: EmailMessage, text: str, subtype: str, rng: random.Random,
              alternative: bool = False) -> None:
    charset = rng.choice(CHARSETS)
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    add = message.add_alternative if alternative else message.set_content
    add(text, subtype=subtype, charset=charset, cte=rng.choice(ENCODINGS))


def _body(message: EmailMessage, mail: _Mail, rng: random.Random) -> str:
    """Give `message` the mail's body in a random layout; return the layout's name."""
    kind = rng.choice(["html", "html", "text", "both"])
    if kind == "text":
        style = rng.choice(TEXT_STYLES)
        _set_text(message, mail.text(style), "plain", rng)
        return f"text-{style}"
    style = rng.choice(HTML_STYLES)
    if kind == "both":
        _set_text(message, mail.flattened(), "plain", rng)
        _set_text(message, mail.html(style), "html", rng, alternative=True)
    else:
        _set_text(message, mail.html(style), "html", rng)
    if rng.random() < 0.3:
        html_part = message.get_body(("html",)) or message
        html_part.add_related(b"\x89PNG\r\n\x1a\n" + bytes(200), maintype="image",
                              subtype="png", cid="<logo>")
    return f"{kind}-{style}"


def _address(mail: _Mail, message: EmailMessage, index: int, seed: int) -> None:
    message["From"] = Address(mail.company, "noreply", mail.domain)
    user = mail.person.lower().replace(" ", ".")
    message["To"] = Address(mail.person, user, "example.org")
    day = 1 + (index * 7 + seed) % 28
    message["Date"] = format_datetime(dt.datetime(2024, 1 + index % 12, day, 9, 30))
    message["Subject"] = mail.subject()
    message["Message-ID"] = f"<{seed}.{index}@{mail.domain}>"


def _forwarded(original: EmailMessage, mail: _Mail, rng: random.Random) -> EmailMessage:
    outer = EmailMessage()
    user = mail.person.lower().replace(" ", ".")
    outer["From"] = Address(mail.person, user, rng.choice(MAILBOXES))
    outer["To"] = Address("Accounts", "accounts", "example.org")
    outer["Date"] = original["Date"]
    outer["Subject"] = f"Fwd: {original['Subject']}"
    outer.set_content("FYI, see the forwarded message.\n")
    outer.add_attachment(original)
    return outer


def _fix_boundaries(message: EmailMessage, tag: str) -> None:
    """Deterministic MIME boundaries (the stdlib draws random ones)."""
    for number, part in enumerate(message.walk()):
        if part.is_multipart() and part.get_content_maintype() == "multipart":
            part.set_boundary(f"=_part_{tag}_{number}")


def _take(pdfs: list[tuple[bytes, dict]], negative: bool) -> tuple[bytes, dict]:
    """The first PDF of the pool that is negative if the email is to be, and remove it."""
    index = next((i for i, (_, r) in enumerate(pdfs) if not r["expected"] or not negative), 0)
    return pdfs.pop(index)


def generate_emails(out_dir: Path, count: int, seed: int) -> list[dict]:
    """Write `count` emails (mail-00001.eml, ...) and out_dir/labels.jsonl; return the records."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    plans = [(rng.random() < NEGATIVE_SHARE, rng.random() < ATTACH_SHARE,
              rng.random() < FORWARD_SHARE) for _ in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        pool = generate(Path(folder), 2 * sum(p[1] for p in plans) + 8, seed)
        pdfs = [(Path(folder, r["file"]).read_bytes(), r) for r in pool]
    records = []
    for index, (negative, attach, forward) in enumerate(plans, 1):
        mail_rng = random.Random(f"{seed}/email/{index}")
        pdf = _take(pdfs, negative) if attach else None
        lang = pdf[1]["language"] if pdf else mail_rng.choice(LANGUAGES)
        mail = _Mail(mail_rng, lang, negative)
        message = EmailMessage()
        _address(mail, message, index, seed)
        style = _body(message, mail, mail_rng)
        expected = [{"kind": kind, "value": value} for kind, value in mail.ids]
        if pdf:
            message.add_attachment(pdf[0], maintype="application", subtype="pdf",
                                   filename=f"{mail.company.split()[0].lower()}-bill-{index}.pdf")
            expected += [e for e in pdf[1]["expected"] if e not in expected]
            style += "+pdf"
        if forward:
            message = _forwarded(message, mail, mail_rng)
            style += "+fwd"
        _fix_boundaries(message, f"{seed}_{index}")
        name = f"mail-{index:05d}.eml"
        (out_dir / name).write_bytes(message.as_bytes())
        records.append({"file": name, "expected": expected, "language": lang, "style": style})
    write_labels(out_dir, records)
    return records


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m samples.emails", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="output directory")
    parser.add_argument("--count", type=int, default=300, help="number of emails")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    args = parser.parse_args(argv)
    records = generate_emails(args.out, args.count, args.seed)
    negatives = sum(1 for r in records if not r["expected"])
    print(f"wrote {len(records)} emails ({negatives} without a number) to {args.out}")


if __name__ == "__main__":
    main()
