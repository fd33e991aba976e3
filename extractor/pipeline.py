"""The extraction pipeline for one document: sniff, read, match, then the result."""

from __future__ import annotations

import hashlib
from functools import lru_cache, partial
from pathlib import Path

from extractor.describe.dates import DateFinder
from extractor.describe.holder import HolderFinder
from extractor.describe.issuer import IssuerFinder
from extractor.describe.kinds import KindFinder
from extractor.document.page import Page
from extractor.document.readout import Doubt, OcrHooks, Readout
from extractor.document.result import DocumentResult, ErrorInfo, Finding
from extractor.errors import DependencyMissing, InputError, TooLarge, Unreadable
from extractor.match.matcher import Matcher
from extractor.match.packs import IssuerProfile, load_packs
from extractor.match.refine import Refiner
from extractor.match.scoring import load_calibration
from extractor.read.mail import ReadDocument, worth_reading
from extractor.read.sniff import sniff
from extractor.read.strategy import read_document
from extractor.settings import Settings, get_settings
from extractor.text import squashed

CONFIDENT = 0.8  # a finding this sure ends OCR early under the auto strategy
Seen = dict[tuple, tuple[list[Page], list[Finding]]]


class Extractor:
    """Packs compiled once, applied to any number of documents."""

    read_part: ReadDocument | None = None  # reads an email's attachments; None: in this process

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        packs = load_packs(self.settings.patterns_dir)
        load_calibration()  # a broken install fails here, not at the first document's findings
        self.packs_version = packs.version
        self.matcher = Matcher(packs, self.settings.min_confidence)
        self.issuers = IssuerFinder(packs, self.matcher.labels)
        self.dates = DateFinder(packs)
        self.kinds = KindFinder(packs.document_kinds)
        self.holders = HolderFinder(packs.context.get("holder_headings", []), self.matcher.labels)
        self.refiner = Refiner(self.matcher)
        self._bank_names = [squashed(n) for n in packs.context.get("bank_names", [])]

    def extract_bytes(self, data: bytes, name: str) -> DocumentResult:
        result = DocumentResult(file=name, sha256=hashlib.sha256(data).hexdigest())
        try:
            self._check_size(len(data))
            seen: Seen = {}  # findings of what OCR read so far
            hooks = OcrHooks(self.refiner, partial(self._confident, seen),
                             partial(self._doubtful, seen))
            document = read_document(data, sniff(data), self.settings, self.matcher.may_match,
                                     hooks, self.read_part)
        except (InputError, DependencyMissing) as exc:
            result.error = ErrorInfo(code=exc.code, message=exc.message)
            return result
        text = "\n".join(document.texts)
        profile = self.issuers.profile(text, document.sender_domain)
        first = document.pages[0] if document.pages and document.pages[0].number == 1 else None
        result.pages = document.page_count
        result.text_source = document.text_source
        result.issuer = self.issuers.find(text, first, profile, document.sender_name,
                                          self.holders.block(first), document.sender_domain)
        result.document_kind = self.kinds.find(first, document.texts, document.heading)
        result.holder = self.holders.find(first, result.issuer.name if result.issuer else "")
        dated = self.dates.find(document.texts)
        if dated is not None:
            result.document_date, result.document_date_confidence = dated
        result.findings = self._findings(document, profile, seen, self._bank_statement(
            result.document_kind, result.issuer.name if result.issuer else ""))
        result.warnings = document.errors
        return result

    def worth_reading(self, data: bytes) -> bool:
        """Might reading `data` find a number? No only for an email that surely holds none (see
        `mail.worth_reading`): a mailbox's ordinary mail is passed over this way."""
        try:
            if sniff(data) != "eml":
                return True
        except InputError:
            return True  # reading it reports why not
        return worth_reading(data, self.settings, self.matcher.may_match)

    def _findings(self, document: Readout, profile: IssuerProfile | None, seen: Seen,
                  statement: bool | None = None) -> list[Finding]:
        """The matcher's findings, unless the same pages were matched already; `statement`
        (a bank's or card's) is told by the document's kind unless given."""
        if statement is None:
            first = document.pages[0] if document.pages and document.pages[0].number == 1 \
                else None
            issuer = self.issuers.find("\n".join(document.texts), first, profile,
                                       document.sender_name)
            statement = self._bank_statement(
                self.kinds.find(first, document.texts, document.heading),
                issuer.name if issuer else "")
        key = (tuple(map(id, document.pages)), profile.name if profile else "", statement)
        if key not in seen:  # the pages are kept with their findings: no id is reused
            seen[key] = (list(document.pages),
                         self.matcher.match(document.pages, profile, statement))
        return seen[key][1]

    def _bank_statement(self, kind: str | None, issuer: str) -> bool:
        """Is this a bank's (or card issuer's) statement: its own accounts are the customer's?"""
        name = squashed(issuer)
        return kind == "statement" and any(bank in name for bank in self._bank_names)

    def _confident(self, seen: Seen, document: Readout, unread: float) -> bool:
        """Does what was read so far hold a confident finding, and no strong label without a
        value that may be in what is left to read (page 1 from `unread` points down)?"""
        profile = self._profile(document)
        return any(f.confidence >= CONFIDENT for f in self._findings(document, profile, seen)) \
            and not self.matcher.unanswered(document.pages, profile, unread)

    def _doubtful(self, seen: Seen, document: Readout) -> list[Doubt]:
        """Where on page 1 a strong label has no confident value (yet), of a kind not found
        with confidence: a second number may be read there."""
        profile = self._profile(document)
        settled = {f.kind for f in self._findings(document, profile, seen)
                   if f.confidence >= CONFIDENT}
        return [Doubt(spot.box, spot.label.ocr_language)
                for page in document.pages if page.number == 1
                for spot in self.matcher.doubtful(page, profile, CONFIDENT, settled)]

    def _profile(self, document: Readout) -> IssuerProfile | None:
        return self.issuers.profile("\n".join(document.texts), document.sender_domain)

    def _check_size(self, size: int) -> None:
        if size > self.settings.max_file_bytes:
            raise TooLarge(f"the file has {size} bytes; the limit is "
                           f"{self.settings.max_file_bytes}")

    def extract_path(self, path: Path) -> DocumentResult:
        try:
            self._check_size(path.stat().st_size)
            data = path.read_bytes()
        except InputError as exc:
            return DocumentResult(file=str(path), sha256="",
                                  error=ErrorInfo(code=exc.code, message=exc.message))
        except OSError as exc:
            error = ErrorInfo(code=Unreadable.code, message=exc.strerror or str(exc))
            return DocumentResult(file=str(path), sha256="", error=error)
        return self.extract_bytes(data, str(path))


@lru_cache(maxsize=1)
def default_extractor() -> Extractor:
    return Extractor()


def extract(source: str | Path | bytes, name: str = "<bytes>") -> DocumentResult:
    """Extract customer and account numbers from a file path or the bytes of a document."""
    if isinstance(source, bytes):
        return default_extractor().extract_bytes(source, name)
    return default_extractor().extract_path(Path(source))
