"""/v1/documents: upload, status and result, listing, original, reprocess, delete."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse
from starlette.types import Receive, Scope, Send

from extractor.api.deps import (
    CallerDep,
    DbDep,
    Offset,
    Reveal,
    RevealDep,
    StoreDep,
    WorkspaceDep,
    allow,
    bearer,
    identify,
    load,
    rate_limit,
    require,
)
from extractor.api.limits import SECURITY_HEADERS
from extractor.api.schemas import Accepted, DocumentOut, DocumentSummary, Page, Status
from extractor.errors import InputError, TooLarge
from extractor.read.sniff import DocType, sniff
from extractor.service import admission, processing, queue, webhook
from extractor.service.tables import Document

router = APIRouter(prefix="/v1/documents", tags=["documents"],
                   dependencies=[Depends(require("reader"))])
MEMBER, ADMIN = Depends(require("member")), Depends(require("admin"))
MEDIA_TYPES: dict[DocType, str] = {
    "pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff",
    "webp": "image/webp", "eml": "message/rfc822"}


def _status_url(request: Request, document_id: str) -> str:
    return request.app.url_path_for("get_document", document_id=document_id)


class Upload:
    """POST /v1/documents, served as a bare ASGI app (documented by UPLOAD): FastAPI's
    dependencies, request wrapper and response models took a fifth of the API's time per
    upload, on the event loop whose GIL the threads writing the uploads wait for. Errors go to
    the app's exception handlers, as any route's."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await upload(Request(scope, receive))
        await response(scope, receive, send)


async def upload(request: Request) -> JSONResponse:
    """Store and queue documents (streamed to disk); 202 with where to follow each one."""
    state = request.app.state
    caller = await identify(request, state.db, await bearer(request))
    allow(caller, "member")
    settings = state.settings
    if int(request.headers.get("content-length") or 0) > settings.max_request_bytes:
        raise TooLarge(f"the upload is larger than {settings.max_request_bytes} bytes in all")
    with state.uploads.take(caller.key_id):
        files = await admission.receive(request.headers.get("content-type", ""),
                                        request.stream(), state.store, settings.max_upload_bytes,
                                        admission.Bounds.of(settings))
    webhook_url = files.fields.get("webhook_url") or None
    try:
        if webhook_url:
            await run_in_threadpool(webhook.check, webhook_url, state.settings.webhook_allow)
        admitted = await state.admitter.admit(
            admission.Arrival(caller.workspace_id, files, webhook_url))
    except BaseException:
        files.discard()
        raise
    status = 202 if any(new for _id, new in admitted) else 200
    if len(admitted) == 1 and status == 200:
        document = await run_in_threadpool(get_document, admitted[0][0], state.db,
                                           caller.workspace_id, Reveal(None))
        return JSONResponse(document.model_dump(mode="json"), status)
    accepted = [Accepted(id=document_id, status_url=_status_url(request, document_id),
                         duplicate=not new).model_dump() for document_id, new in admitted]
    return JSONResponse(accepted[0] if len(accepted) == 1 else accepted, status)


# The OpenAPI operation of `Upload`, which FastAPI does not serve (see there).
UPLOAD: dict[str, Any] = {
    "tags": ["documents"], "summary": "Upload", "operationId": "upload_v1_documents_post",
    "description": upload.__doc__,
    "security": [{"HTTPBearer": []}],
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {
            "file": {"type": "array", "items": {"type": "string", "format": "binary"},
                     "description": "A document; repeat the field for several"},
            "webhook_url": {"type": "string", "format": "uri",
                            "description": "Called with the document when it is done or failed"},
        }}}}},
    "responses": {
        "202": {"description": "Where to follow each document (a list for several files)",
                "content": {"application/json": {"schema": {"anyOf": [
                    {"$ref": "#/components/schemas/Accepted"},
                    {"type": "array", "items": {"$ref": "#/components/schemas/Accepted"}}]}}}},
        "200": {"description": "Every file stored before: for one, its document",
                "content": {"application/json": {"schema": {"anyOf": [
                    {"$ref": "#/components/schemas/DocumentOut"},
                    {"type": "array", "items": {"$ref": "#/components/schemas/Accepted"}}]}}}},
        "400": {"description": "Not a multipart upload with a `file`, cut short, or over the "
                               "limits of files and fields"},
        "408": {"description": "The upload paused longer than allowed"},
        "401": {"description": "No valid API key"},
        "403": {"description": "The key's role is below member"},
        "413": {"description": "A file, or the request, is larger than its limit"},
        "422": {"description": "The webhook URL is not allowed"},
        "429": {"description": "Too many uploads at once with this key"},
        "503": {"description": "The database is unavailable: retry after Retry-After"},
        "507": {"description": "The data disk is full: nothing was stored"}},
}


@router.get("", response_model=Page[DocumentSummary])
def list_documents(
    db: DbDep, workspace: WorkspaceDep, status: Status | None = None,
    issuer: Annotated[str | None, Query(description="Case- and space-insensitive")] = None,
    kind: str | None = None,
    date_from: Annotated[dt.date | None, Query(description="Document date, inclusive")] = None,
    date_to: Annotated[dt.date | None, Query(description="Document date, inclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> Page[DocumentSummary]:
    """Documents, newest first."""
    query = processing.document_query(workspace, status, issuer, kind, date_from, date_to)
    with db.session() as session:
        return Page.fetch(session, query, limit, offset, DocumentSummary.of)


@router.get("/{document_id}", response_model=DocumentOut)
def get_document(document_id: str, db: DbDep, workspace: WorkspaceDep,
                 reveal: RevealDep) -> DocumentOut:
    """Status, error, the extraction result once done, and the account links."""
    with db.session() as session:
        document = load(session, Document, document_id, workspace)
        reveal.record(session, "document", document_id)
        return DocumentOut.of(document, bool(reveal))


@router.get("/{document_id}/original", response_class=FileResponse,
            responses={200: {"content": {"application/octet-stream": {}}}})
def get_original(document_id: str, request: Request, db: DbDep, store: StoreDep,
                 caller: CallerDep, workspace: WorkspaceDep) -> FileResponse:
    """The file as uploaded: a reveal of every number on it (audited, rate-limited)."""
    with db.session() as session:
        document = load(session, Document, document_id, workspace)
        rate_limit(request, caller)
        Reveal(caller).record(session, "original", document_id)
    path = store.path(document.sha256)
    with path.open("rb") as original:
        head = original.read(1024)
    try:
        media_type = MEDIA_TYPES[sniff(head)]  # never from its name (an .html is no page here)
    except InputError:  # stored, but not a document custid reads
        media_type = "application/octet-stream"
    return FileResponse(path, media_type=media_type, filename=document.filename,
                        content_disposition_type="attachment", headers=SECURITY_HEADERS)


@router.delete("/{document_id}", status_code=204, dependencies=[ADMIN])
def delete_document(document_id: str, db: DbDep, store: StoreDep,
                    workspace: WorkspaceDep) -> None:
    """The document, its original, result and links."""
    with db.session() as session:
        processing.delete_document(session, store, load(session, Document, document_id, workspace))


@router.post("/{document_id}/reprocess", status_code=202, response_model=Accepted,
             dependencies=[MEMBER])
def reprocess(document_id: str, request: Request, db: DbDep, workspace: WorkspaceDep) -> Accepted:
    """Queue the document again (say, after new patterns or imported accounts)."""
    with db.session() as session:
        processing.requeue(session, load(session, Document, document_id, workspace))
    queue.enqueue([document_id])
    return Accepted(id=document_id, status_url=_status_url(request, document_id))
