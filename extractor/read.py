"""Read stage: bytes of a sniffed type in, pages of words out (one page model for every reader)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from extractor import read_pdf
from extractor.errors import UnsupportedType
from extractor.models import Page, TextSource
from extractor.settings import Settings
from extractor.sniff import DocType


@dataclass(slots=True)
class Document:
    """What the readers produced: pages with words where they may matter, and every page's text.

    `pages` holds words only for pages whose text passed the `wants_words` test (and page 1,
    for the issuer); `texts` holds the plain text of every page.
    """

    page_count: int
    pages: list[Page]
    texts: list[str]
    text_source: TextSource
    sender_domain: str = ""  # an email's sender domain, for issuer profiles
    sender_name: str = ""  # an email's sender display name (or domain), the issuer's name
    heading: str = ""  # an email's subject, for the document kind
    errors: list[str] = field(default_factory=list)


def read_document(data: bytes, doc_type: DocType, settings: Settings,
                  wants_words: Callable[[str], bool]) -> Document:
    if doc_type == "pdf":
        return _read_pdf(data, settings, wants_words)
    raise UnsupportedType(f"{doc_type} documents are not supported yet")


def _always(_: str) -> bool:
    return True


def _read_pdf(data: bytes, settings: Settings, wants_words: Callable[[str], bool]) -> Document:
    with read_pdf.open_pdf(data, settings) as pdf:
        texts: list[str] = []
        pages: list[Page] = []
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                wants = wants_words if index else _always
                text, words = read_pdf.read_page(page, index + 1, settings, wants)
                texts.append(text)
                if words is not None:
                    pages.append(words)
            finally:
                page.close()
        return Document(page_count=len(pdf), pages=pages, texts=texts, text_source="text")
