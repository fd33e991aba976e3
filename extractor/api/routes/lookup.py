"""/v1/lookup (a lost number: per issuer, newest first, with history) and the evidence image of
a finding, for the caller's workspace."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from extractor import evidence
from extractor.api.deps import (
    CallerDep,
    DbDep,
    Reveal,
    SettingsDep,
    StoreDep,
    WorkspaceDep,
    load,
    rate_limit,
    require,
)
from extractor.api.schemas import LookupIssuer, LookupNumber
from extractor.document.result import DocumentResult, Finding
from extractor.errors import InputError, NotFound
from extractor.service.lookup import stored_numbers
from extractor.service.store import Store
from extractor.service.tables import Document
from extractor.settings import Settings

router = APIRouter(tags=["lookup"], dependencies=[Depends(require("reader"))])
CACHED_BYTES = 32 << 20  # evidence PNGs kept per API process, newest used last


class _Evidence:
    """Evidence PNGs by original and finding, at most CACHED_BYTES; drawn one at a time, so that
    many requests at once cost one drawing's memory (and one per original and finding)."""

    def __init__(self) -> None:
        self._pngs: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._drawing = threading.Lock()

    def png(self, store: Store, sha256: str, finding: Finding, settings: Settings) -> bytes:
        key = (sha256, finding.model_dump_json())
        with self._drawing:
            if (png := self._pngs.get(key)) is not None:
                self._pngs.move_to_end(key)
                return png
            png = evidence.render(store.read(sha256), finding, settings)
            self._pngs[key] = png
            while sum(map(len, self._pngs.values())) > CACHED_BYTES:
                self._pngs.popitem(last=False)
            return png


_evidence = _Evidence()


@router.get("/v1/lookup", response_model=list[LookupIssuer])
def lookup(request: Request, db: DbDep, caller: CallerDep, workspace: WorkspaceDep,
           issuer: Annotated[str | None, Query(
               description='Tolerant: "cox" finds "Cox Communications"')] = None,
           reveal: Annotated[bool, Query(description="Show full numbers: each one is audited "
                                                     "and counted against the rate limit")] = False,
           ) -> list[LookupIssuer]:
    """Customer and account numbers per issuer, newest document date first."""
    with db.session() as session:
        groups, filenames = stored_numbers(session, workspace, issuer)
        if reveal:
            shown = [number for group in groups for number in group.numbers]
            rate_limit(request, caller, len(shown))
            for number in shown:
                Reveal(caller).record(session, "document", number.document)
    return [LookupIssuer(issuer=group.issuer, numbers=[LookupNumber(
        kind=n.kind, value=n.value, normalized=n.normalized, current=n.current,
        document_id=n.document, filename=filenames[n.document], finding=n.index, page=n.page,
        label=n.label, document_date=n.document_date, first_seen=n.first_seen,
        confidence=n.confidence, documents_agreeing=n.documents_agreeing,
        evidence_url=request.app.url_path_for("evidence_png", document_id=n.document,
                                              n=str(n.index)),
    ).shown(reveal) for n in group.numbers]) for group in groups]


@router.get("/v1/documents/{document_id}/findings/{n}/evidence.png",
            response_class=Response, responses={200: {"content": {"image/png": {}}}})
def evidence_png(document_id: str, n: int, request: Request, db: DbDep, store: StoreDep,
                 settings: SettingsDep, caller: CallerDep, workspace: WorkspaceDep) -> Response:
    """Where the n-th finding (from 0) was printed: a PNG of the page region, the value boxed.
    It shows the full number, so it counts as a reveal (audited, rate-limited)."""
    rate_limit(request, caller)
    with db.session() as session:
        document = load(session, Document, document_id, workspace)
        findings = DocumentResult.model_validate(document.result).findings if (
            document.result) else []
        if not 0 <= n < len(findings):
            raise NotFound("no such finding")
        Reveal(caller).record(session, "document", document_id)
    try:
        png = _evidence.png(store, document.sha256, findings[n], settings)
    except FileNotFoundError as exc:
        raise NotFound("the original is gone") from exc
    except InputError as exc:
        exc.http_status = 422  # the request is fine: the stored original cannot be read
        raise
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})
