"""Read .eml emails (RFC 822/MIME) into the page model, attachments as parts of the document.

The body becomes laid-out text lines (the From, To, Date and Subject headers first; HTML through
`html_text`, tables as grids) on monospace grid pages, so the geometric matcher works as on a
PDF. Of a multipart/alternative the HTML is read, the plain text only when the HTML yields none:
HTML keeps the tables whose geometry pairs labels with values, while plain alternatives are often
a flattened copy (all labels, then all values) that would pair them wrongly.

Attachments (PDFs, images, attached or forwarded emails, text files) are read as parts: their
pages carry `part` (the file name or "attachment-N", nested ones joined by "/"), and so do their
findings. The document's `text_source` is "email"; each page keeps its own `source` (an attached
PDF's pages are "text", a scan's "ocr"), which is what the matcher reads. `page_count` counts body
pages plus attachment pages. A part that cannot be read (broken or unsupported) is skipped with a
message in `Readout.errors`. An email beyond the limits `max_email_parts` or `max_email_depth`
fails as `too_large`: no real email has that many parts, and it is cut short unread.
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Callable
from email import message_from_bytes, policy
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser

import regex

from extractor.document.page import Page
from extractor.document.readout import Readout
from extractor.errors import CustidError, MalformedDocument, TooLarge
from extractor.read.html_text import html_lines
from extractor.read.sniff import DocType, sniff
from extractor.read.text_pages import grid_page, paginate
from extractor.settings import Settings

GENERIC_DOMAINS = {"gmail", "yahoo", "hotmail", "outlook", "example", "gmx", "web", "icloud",
                   "googlemail", "live", "aol", "mail", "email", "t-online", "orange", "free",
                   "tcpdf"}  # mail providers, and a PDF library that signs its output
ReadDocument = Callable[[bytes, DocType, Settings, Callable[[str], bool]], Readout]
HEADERS = ("From", "To", "Date", "Subject")
BODY_TYPES = ("text/plain", "text/html")
MIN_IMAGE_BYTES = 2048  # smaller images are spacers, tracking pixels and icons
GLUE = regex.compile(r"(?<=[\d\p{Sc})%])(?=\p{Lu}[\p{Ll}.°º])")  # "$18.00Client ID:": 2 lines
BOUNDARY_LINE = regex.compile(rb"^--", regex.MULTILINE)
ADDRESS = regex.compile(r"@([\w.-]+\.[a-z]{2,})", regex.IGNORECASE)
SPACE = regex.compile(r"\s+")
SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov"}


def read_email(data: bytes, settings: Settings, wants_words: Callable[[str], bool],
               read_document: ReadDocument) -> Readout:
    """Read an email; `read_document` reads its attachments by their sniffed type."""
    reader = _Reader(settings, wants_words, read_document)
    reader.email(data, "", 0)
    name, domain = reader.sender
    return Readout(page_count=reader.page_count, pages=reader.pages, texts=reader.texts,
                    text_source="email", sender_domain=domain, sender_name=name,
                    heading=reader.subject, errors=reader.errors)


def worth_reading(data: bytes, settings: Settings, wants_words: Callable[[str], bool]) -> bool:
    """Might reading this email find a number? Decided cheaply: no pages are laid out and
    nothing is matched. Yes when its header lines and text (the bodies and text attachments the
    reader reads, as it reads them: once as lines, once run together, as a label stacked over
    two lines is found) hold a customer or account label (`wants_words`, the reader's own
    test), when it attaches anything else to read (a PDF, an image above MIN_IMAGE_BYTES, an
    email), and when it cannot be parsed cheaply (the reading reports why)."""
    if _too_many_parts(data, settings.max_email_parts):
        return True
    reader = _Reader(settings, wants_words, read_document=None)  # type: ignore[arg-type]
    bodies: list[list[str]] = []
    attachments: list[tuple[str, Message]] = []
    try:  # the legacy policy's parser: strings, not header objects, several times as fast
        message = message_from_bytes(data)
        reader._walk(message, "", 0, bodies, attachments)
    except (CustidError, RecursionError):
        return True
    lines = [f"{name}: {_decoded(_header(message, name))}" for name in HEADERS]
    for body in bodies:
        lines += body
    for _name, entity in attachments:
        if entity.get_content_type() in BODY_TYPES:
            lines += _text_lines(entity)
        elif entity.get_content_maintype() == "message" or _read_as_attachment(entity):
            return True
    text = "\n".join(lines)
    return wants_words(text) or wants_words(" ".join(text.split()))


def _read_as_attachment(entity: Message) -> bool:
    """Is this an attachment the reader reads (not an image as small as a spacer or an icon)?"""
    if entity.get_content_maintype() != "image":
        return True
    return len(entity.get_payload(decode=True) or b"") >= MIN_IMAGE_BYTES


def _decoded(value: str) -> str:
    """A raw header's encoded words (=?utf-8?q?...?=) decoded."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (HeaderParseError, LookupError, UnicodeDecodeError, ValueError):
        return value


class _Reader:
    """Walks the MIME tree once, within the part and depth limits, collecting pages."""

    def __init__(self, settings: Settings, wants_words: Callable[[str], bool],
                 read_document: ReadDocument) -> None:
        self.settings = settings
        self.wants_words = wants_words
        self.read_document = read_document
        self.pages: list[Page] = []
        self.texts: list[str] = []
        self.errors: list[str] = []
        self.page_count = 0
        self.parts = 0
        self.attachments = 0
        self.sender = ("", "")
        self.subject = ""

    def email(self, data: bytes, part: str, depth: int) -> None:
        """Parse an email's bytes (the whole document or an attached .eml) and read it."""
        if _too_many_parts(data, self.settings.max_email_parts):
            raise self._too_many()
        try:
            message = BytesParser(policy=policy.default).parsebytes(data)
        except RecursionError as exc:
            if not part:
                raise MalformedDocument("the email nests too deeply to be parsed") from exc
            self._error(part, "nests too deeply to be parsed")
            return
        self.message(message, part, depth)

    def message(self, message: Message, part: str, depth: int) -> None:
        """One message: its headers and bodies as pages, then its attachments."""
        bodies: list[list[str]] = []
        attachments: list[tuple[str, Message]] = []
        self._walk(message, part, depth, bodies, attachments)
        lines = self._headers(message)
        for body in bodies:
            lines += ["", *body]
        self._add_lines(lines, part)
        for name, entity in attachments:
            self._attachment(name, entity, depth + 1)

    def _walk(self, entity: Message, part: str, depth: int, bodies: list[list[str]],
              attachments: list[tuple[str, Message]]) -> None:
        self.parts += 1
        if self.parts > self.settings.max_email_parts:
            raise self._too_many()
        if depth > self.settings.max_email_depth:
            raise TooLarge(f"the email nests MIME parts deeper than "
                           f"{self.settings.max_email_depth} levels")
        for defect in entity.defects:
            self._error(part, f"broken MIME structure ({type(defect).__name__})")
        content_type = entity.get_content_type()
        if entity.get_content_maintype() == "message" and entity.is_multipart():
            attachments.append((self._name(entity, part), entity))
        elif entity.is_multipart():
            children = _parts(entity)
            if content_type == "multipart/alternative":
                children = _preferred(children)
            for child in children:
                found = len(bodies)
                self._walk(child, part, depth + 1, bodies, attachments)
                if content_type == "multipart/alternative" and len(bodies) > found:
                    break
        elif content_type in BODY_TYPES and entity.get_content_disposition() != "attachment":
            lines = _text_lines(entity)
            if lines:
                bodies.append(lines)
        elif entity.get_content_maintype() != "text" or content_type in BODY_TYPES:
            attachments.append((self._name(entity, part), entity))

    def _attachment(self, name: str, entity: Message, depth: int) -> None:
        if entity.get_content_maintype() == "message" and entity.is_multipart():
            self.message(_parts(entity)[0], name, depth)
            return
        if entity.get_content_type() in BODY_TYPES:
            self._add_lines(_text_lines(entity), name)
            return
        data = _body(entity)
        if entity.get_content_maintype() == "image" and len(data) < MIN_IMAGE_BYTES:
            return
        if self.page_count >= self.settings.max_pages:
            self._error(name, f"not read: the email has {self.settings.max_pages} pages already")
            return
        try:
            doc_type = sniff(data)
        except CustidError as exc:
            self._error(name, f"{exc.code}: {exc.message}")
            return
        if doc_type == "eml":  # within this email's limits: beyond them it all fails
            self.email(data, name, depth)
            return
        try:
            document = self.read_document(data, doc_type, self.settings, self.wants_words)
        except CustidError as exc:
            self._error(name, f"{exc.code}: {exc.message}")
            return
        for page in document.pages:
            page.part = name
        self.pages += document.pages
        self.texts += document.texts
        self.page_count += document.page_count
        self.errors += [f"{name}: {error}" for error in document.errors]

    def _add_lines(self, lines: list[str], part: str) -> None:
        for index, chunk in enumerate(paginate(lines)):
            text = "\n".join(chunk)
            self.texts.append(text)
            if not self.pages or self.wants_words(text):
                self.pages.append(grid_page(chunk, index + 1, part))
            self.page_count += 1

    def _headers(self, message: Message) -> list[str]:
        """The header lines of a message; the first sender not at a webmail domain is kept."""
        values = {name: _header(message, name) for name in HEADERS}
        name, domain = _sender(message)
        if domain and not self.sender[1] and _core(domain) not in GENERIC_DOMAINS:
            self.sender = (name if name and "@" not in name else domain, domain)
        self.subject = self.subject or values["Subject"]
        return [f"{key}: {value}" for key, value in values.items() if value]

    def _name(self, entity: Message, parent: str) -> str:
        self.attachments += 1
        try:
            filename = entity.get_filename()
        except (ValueError, IndexError, TypeError):
            filename = None
        name = SPACE.sub(" ", filename).strip() if filename else ""
        name = name or f"attachment-{self.attachments}"
        return f"{parent}/{name}" if parent else name

    def _too_many(self) -> TooLarge:
        return TooLarge(f"the email has more than {self.settings.max_email_parts} MIME parts")

    def _error(self, part: str, message: str) -> None:
        error = f"{part or 'email'}: {message}"
        if error not in self.errors:
            self.errors.append(error)


def _parts(entity: Message) -> list[Message]:
    """A multipart entity's parts, or an attached message/rfc822's one message."""
    return [child for child in entity.get_payload() if isinstance(child, Message)]


def _body(entity: Message) -> bytes:
    """A leaf part's body, its transfer encoding undone (empty for a multipart one)."""
    data = entity.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _preferred(alternatives: list[Message]) -> list[Message]:
    """Of a multipart/alternative: the last HTML (or multipart) alternative, then plain text."""
    rich = [c for c in alternatives
            if c.get_content_type() == "text/html" or c.get_content_maintype() == "multipart"]
    plain = [c for c in alternatives if c.get_content_type() == "text/plain"]
    return rich[-1:] + plain[:1]


def _text_lines(entity: Message) -> list[str]:
    text = decode_text(_body(entity), entity.get_content_charset())
    if entity.get_content_type() == "text/html":
        return html_lines(text)
    return [piece for line in text.splitlines() for piece in GLUE.split(line.expandtabs())]


def decode_text(raw: bytes, declared: str | None) -> str:
    """`raw` decoded by its declared charset, unless that is missing, unknown or wrong.

    Valid UTF-8 with non-ASCII bytes is UTF-8 whatever a single-byte charset declares;
    Latin-1 and ASCII are read as Windows-1252, as browsers do; the last resort is
    Windows-1252 with replacement characters.
    """
    try:
        charset: str | None = codecs.lookup(declared).name if declared else None
    except (LookupError, ValueError):
        charset = None
    if charset in (None, "ascii", "iso8859-1", "cp1252"):
        candidates = ["utf-8", "cp1252"]
    else:
        candidates = [charset, "utf-8"]
    for name in candidates:
        try:
            return raw.decode(name)
        except (LookupError, UnicodeDecodeError):  # LookupError: not a text codec ("hex")
            continue
    return raw.decode("cp1252", errors="replace")


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError, AttributeError):  # the stdlib parser's failures
        return ""
    if value is None:
        return ""
    text = str(value)
    if any("\udc80" <= c <= "\udcff" for c in text):  # raw 8-bit bytes in a header
        text = decode_text(text.encode("utf-8", "surrogateescape"), None)
    return SPACE.sub(" ", text).strip()


def _sender(message: Message) -> tuple[str, str]:
    """Display name and domain of the From address."""
    try:
        addresses = getattr(message.get("From"), "addresses", ())
    except (ValueError, IndexError, TypeError, AttributeError):
        addresses = ()
    if addresses and addresses[0].domain:
        return SPACE.sub(" ", addresses[0].display_name).strip(), addresses[0].domain.lower()
    found = ADDRESS.search(_header(message, "From"))
    return ("", found[1].lower()) if found else ("", "")


def _core(domain: str) -> str:
    """The registered name of a domain: "cox" of mail.cox.com, "yahoo" of yahoo.co.uk."""
    labels = domain.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVEL:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else domain


def _too_many_parts(data: bytes, max_parts: int) -> bool:
    """Are there surely more than `max_parts` parts? Checked before the stdlib parser reads them
    all: each part starts at a boundary line and each multipart ends at one."""
    lines = BOUNDARY_LINE.finditer(data)
    return sum(1 for _ in itertools.islice(lines, 2 * max_parts + 3)) > 2 * max_parts + 2
