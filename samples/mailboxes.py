"""Generated mailboxes: ordinary mail (personal notes, newsletters, shipping notices) mixed with
the labeled welcome emails and e-bills of `samples.emails`, written as an mbox or a Maildir.

    python -m samples.mailboxes OUT.mbox --count 20000 --bills 0.05 --seed 1

Labels come from `samples.emails` (`labels.jsonl` there); ordinary mail carries no customer or
account number (order and tracking numbers, yes: they are look-alikes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import mailbox
import random
import tempfile
from collections.abc import Iterable
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from samples.email_vocab import MAILBOXES, NAMES
from samples.emails import generate_emails

TOPICS = ["the weekend", "the garden", "our trip to Lisbon", "the school play", "dinner on "
          "Friday", "the photos", "the new bike", "grandma's birthday", "the book club"]
WORDS = ["the", "a", "we", "you", "it", "was", "is", "will", "be", "have", "had", "there",
         "here", "again", "soon", "great", "thanks", "really", "maybe", "tomorrow", "today",
         "later", "call", "write", "see", "meet", "bring", "time", "day", "week", "plan", "idea"]
SHOPS = [("Parcelia", "parcelia.com"), ("Bookhaven", "bookhaven.co.uk"),
         ("Kitchenly", "kitchenly.de")]
NEWS = [("The Morning Brief", "brief.example.net"), ("Gardeners Weekly", "gardeners.example")]


def _prose(rng: random.Random, sentences: int) -> str:
    return " ".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize()
                    + "." for _ in range(sentences))


def _personal(rng: random.Random) -> EmailMessage:
    sender, receiver = rng.sample(NAMES, 2)
    message = EmailMessage()
    message["From"] = Address(sender, sender.split()[0].lower(), rng.choice(MAILBOXES))
    message["To"] = Address(receiver, receiver.split()[0].lower(), "example.org")
    message["Subject"] = f"About {rng.choice(TOPICS)}"
    paragraphs = [_prose(rng, rng.randint(2, 5)) for _ in range(rng.randint(1, 4))]
    message.set_content(f"Hi {receiver.split()[0]},\n\n" + "\n\n".join(paragraphs)
                        + f"\n\n{sender.split()[0]}\n")
    return message


def _newsletter(rng: random.Random) -> EmailMessage:
    name, domain = rng.choice(NEWS)
    message = EmailMessage()
    message["From"] = Address(name, "news", domain)
    message["To"] = Address("", "reader", "example.org")
    message["Subject"] = f"{name}: {rng.choice(TOPICS)} and more"
    stories = "".join(f"<tr><td><h2>{_prose(rng, 1)[:40]}</h2><p>{_prose(rng, 3)}</p>"
                      f'<a href="https://{domain}/s/{rng.randrange(10**6)}">Read more</a>'
                      "</td></tr>\n" for _ in range(rng.randint(3, 8)))
    message.set_content(_prose(rng, 4) + "\n")
    message.add_alternative(f"<html><body><table>{stories}</table><p>Unsubscribe at any "
                            f"time.</p></body></html>\n", subtype="html")
    html = message.get_body(("html",))
    if html is not None and rng.random() < 0.5:  # a logo too small to be read (skipped)
        html.add_related(b"\x89PNG\r\n\x1a\n" + bytes(300),
                         maintype="image", subtype="png", cid="<logo>")
    return message


def _shipping(rng: random.Random) -> EmailMessage:
    shop, domain = rng.choice(SHOPS)
    message = EmailMessage()
    message["From"] = Address(shop, "orders", domain)
    message["To"] = Address(rng.choice(NAMES), "me", "example.org")
    message["Subject"] = f"Your {shop} order has shipped"
    order = f"{rng.randrange(100, 999)}-{rng.randrange(10**6, 10**7)}"
    message.set_content(f"Good news: your order is on its way.\n\nOrder number: {order}\n"
                        f"Tracking number: 1Z{rng.randrange(10**9, 10**10)}\n"
                        f"Total: ${rng.randint(5, 300)}.{rng.randint(0, 99):02d}\n\n"
                        f"{_prose(rng, 2)}\n")
    return message


def ordinary(rng: random.Random, index: int) -> EmailMessage:
    """One message that carries no customer or account number."""
    message = rng.choice([_personal, _personal, _newsletter, _shipping])(rng)
    when = dt.datetime(2023, 1, 1, 8) + dt.timedelta(hours=7 * index + rng.randrange(7))
    message["Date"] = format_datetime(when)
    message["Message-ID"] = f"<ordinary.{index}@example.org>"
    return message


def messages(count: int, bill_share: float, seed: int, folder: Path) -> list[bytes]:
    """`count` messages, `bill_share` of them from `samples.emails` (written to `folder` with
    their labels.jsonl), spread evenly among ordinary mail."""
    bills = round(count * bill_share)
    generate_emails(folder, bills, seed)
    bill_files = sorted(folder.glob("mail-*.eml"))
    rng = random.Random(f"{seed}/mailbox")
    every = count / bills if bills else count + 1
    out: list[bytes] = []
    for index in range(count):
        taken = int(index / every) if bills else -1
        if bills and int((index + 1) / every) > taken and taken < bills:
            out.append(bill_files[taken].read_bytes())
        else:
            out.append(ordinary(rng, index).as_bytes())
    return out


def write_mbox(path: Path, items: Iterable[bytes]) -> None:
    """An mbox written by the standard library (its From lines, its escaping)."""
    box = mailbox.mbox(path, create=True)
    try:
        for item in items:
            box.add(item)
    finally:
        box.close()


def write_maildir(path: Path, items: Iterable[bytes]) -> None:
    box = mailbox.Maildir(path, create=True)
    for item in items:
        box.add(item)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m samples.mailboxes", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="the mbox file to write")
    parser.add_argument("--count", type=int, default=1000, help="number of messages")
    parser.add_argument("--bills", type=float, default=0.05, help="share of bills and welcomes")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        write_mbox(args.out, messages(args.count, args.bills, args.seed, Path(folder)))
    print(f"wrote {args.count} messages to {args.out}")


if __name__ == "__main__":
    main()
