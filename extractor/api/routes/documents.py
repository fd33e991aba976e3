"""/v1/documents: upload, status and result, listing, original, reprocess, delete."""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
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
from extractor.api.schemas import (
    Accepted,
    DocumentOut,
    DocumentSummary,
    Listing,
    MailboxAccepted,
    MessageAccepted,
    MessageProblem,
    Status,
)
from extractor.errors import InputError, TooLarge
from extractor.read.sniff import DocType, sniff
from extractor.service import admission, metrics, processing, queue, webhook
from extractor.service.tables import Document

MEDIA_TYPES: dict[DocType, str] = {
    "pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff",
    "webp": "image/webp", "eml": "message/rfc822"}
router = APIRouter(prefix="/v1/documents", tags=["documents"],
                   dependencies=[Depends(require("reader"))])
MEMBER, ADMIN = Depends(require("member")), Depends(require("admin"))


def _status_url(request: Request, document_id: str) -> str:
    return request.app.url_path_for("get_document", document_id=document_id)


class UploadEndpoint:
    """POST /v1/documents, served as a bare ASGI app (documented by UPLOAD): FastAPI's
    dependencies, request wrapper and response models took a fifth of the API's time per
    upload, on the event loop whose GIL the threads writing the uploads wait for. Errors go to
    the app's exception handlers, as any route's."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        response = await upload(Request(scope, receive))
        await response(scope, receive, send)
        metrics.UPLOAD_SECONDS.observe(time.monotonic() - started)


async def upload(request: Request) -> JSONResponse:
    """Store and queue documents (streamed to disk); 202 with where to follow each one. An mbox
    (told by its "From " lines) makes a document of each of its messages: its answer lists them
    (`MailboxAccepted`), with the messages refused or damaged."""
    state = request.app.state
    caller = await identify(request, state.db, await bearer(request))
    allow(caller, "member")
    settings = state.settings
    most = max(settings.max_request_bytes, settings.max_mailbox_bytes)  # an mbox may be larger
    if int(request.headers.get("content-length") or 0) > most:
        raise TooLarge(f"the upload is larger than {most} bytes in all")
    with state.uploads.take(caller.key_id):
        files = await admission.receive(request.headers.get("content-type", ""),
                                        request.stream(), state.store, settings.max_upload_bytes,
                                        settings.max_mailbox_bytes, admission.Bounds.of(settings))
    webhook_url = files.fields.get("webhook_url") or None
    try:
        if webhook_url:
            await run_in_threadpool(webhook.check, webhook_url, settings.webhook_allow)
        shape = await admission.open_mailboxes(files, state.store, settings.max_upload_bytes,
                                               settings.max_mailbox_messages)
        names = [name for name, _staged in files.files]
        admitted = await state.admitter.admit(
            admission.Arrival(caller.workspace_id, files, webhook_url)) if names else []
    except BaseException:
        files.discard()
        raise
    status = 202 if any(new for _id, new in admitted) else 200
    if not any(shape):  # documents only, no mbox
        if len(admitted) == 1 and status == 200:
            document = await run_in_threadpool(get_document, admitted[0][0], state.db,
                                               caller.workspace_id, Reveal(None))
            return JSONResponse(document.model_dump(mode="json"), status)
        accepted = [_accepted(request, document_id, new) for document_id, new in admitted]
        return JSONResponse(accepted[0] if len(accepted) == 1 else accepted, status)
    each = iter(zip(names, admitted, strict=True))
    answers = [_accepted(request, *next(each)[1]) if box is None
               else _mailbox(request, box, [next(each) for _message in range(box.messages)])
               for box in shape]
    return JSONResponse(answers[0] if len(answers) == 1 else answers, status)


def _accepted(request: Request, document_id: str, new: bool) -> dict[str, Any]:
    return Accepted(id=document_id, status_url=_status_url(request, document_id),
                    duplicate=not new).model_dump()


def _mailbox(request: Request, box: admission.Mailbox,
             messages: list[tuple[str, tuple[str, bool]]]) -> dict[str, Any]:
    """The answer for an uploaded mbox: its messages' documents and its problems."""
    ids = dict(messages)
    problems = box.problems + ([admission.cut_problem(box, ids[box.cut][0])] if box.cut else [])
    return MailboxAccepted(
        mailbox=box.name,
        documents=[MessageAccepted(name=name, id=document_id, duplicate=not new,
                                   status_url=_status_url(request, document_id))
                   for name, (document_id, new) in messages],
        problems=[MessageProblem(name=problem.name, code=problem.error.code,
                                 message=problem.error.message, id=problem.document_id)
                  for problem in problems]).model_dump()


# The schemas of the mbox answer, which no served route brings into the OpenAPI components.
_MAILBOX_SCHEMA = MailboxAccepted.model_json_schema(ref_template="#/components/schemas/{model}")
UPLOAD_SCHEMAS: dict[str, Any] = {**_MAILBOX_SCHEMA.pop("$defs"),
                                  "MailboxAccepted": _MAILBOX_SCHEMA}

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
        "202": {"description": "Where to follow each document (a list for several files; an "
                               "mbox answers a MailboxAccepted, in the list if with others)",
                "content": {"application/json": {"schema": {"anyOf": [
                    {"$ref": "#/components/schemas/Accepted"},
                    {"$ref": "#/components/schemas/MailboxAccepted"},
                    {"type": "array", "items": {"anyOf": [
                        {"$ref": "#/components/schemas/Accepted"},
                        {"$ref": "#/components/schemas/MailboxAccepted"}]}}]}}}},
        "200": {"description": "Every file stored before: for one, its document",
                "content": {"application/json": {"schema": {"anyOf": [
                    {"$ref": "#/components/schemas/DocumentOut"},
                    {"type": "array", "items": {"$ref": "#/components/schemas/Accepted"}}]}}}},
        "400": {"description": "Not a multipart upload with a `file`, cut short, or over the "
                               "limits of files and fields"},
        "408": {"description": "The upload paused longer than allowed"},
        "401": {"description": "No valid API key"},
        "403": {"description": "The key's role is below member"},
        "413": {"description": "A file, or the request, is larger than its limit, or an mbox "
                               "than the mailbox limits (too_large, too_many_messages)"},
        "422": {"description": "The webhook URL is not allowed"},
        "429": {"description": "Too many uploads at once with this key"},
        "503": {"description": "The database is unavailable: retry after Retry-After"},
        "507": {"description": "The data disk is full: nothing was stored"}},
}


@router.get("", response_model=Listing[DocumentSummary])
def list_documents(
    db: DbDep, workspace: WorkspaceDep, status: Status | None = None,
    issuer: Annotated[str | None, Query(description="Case- and space-insensitive")] = None,
    kind: str | None = None,
    date_from: Annotated[dt.date | None, Query(description="Document date, inclusive")] = None,
    date_to: Annotated[dt.date | None, Query(description="Document date, inclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> Listing[DocumentSummary]:
    """Documents, newest first."""
    query = processing.document_query(workspace, status, issuer, kind, date_from, date_to)
    with db.session() as session:
        return Listing.fetch(session, query, limit, offset, DocumentSummary.of)


@router.get("/{document_id}", response_model=DocumentOut)
def get_document(document_id: str, db: DbDep, workspace: WorkspaceDep,
                 reveal: RevealDep) -> DocumentOut:
    """Status, error, the extraction result once done, and the account links."""
    with db.session() as session:
        document = load(session, Document, document_id, workspace)
        reveal.record(session, "document", document_id)
        return DocumentOut.of(document, bool(reveal))


@router.get("/{document_id}/original", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
def get_original(document_id: str, request: Request, db: DbDep, store: StoreDep,
                 caller: CallerDep, workspace: WorkspaceDep) -> Response:
    """The file as uploaded: a reveal of every number on it (audited, rate-limited)."""
    with db.session() as session:
        document = load(session, Document, document_id, workspace)
        rate_limit(request, caller)
        Reveal(caller).record(session, "original", document_id)
    data = store.read(document.sha256)
    try:
        media_type = MEDIA_TYPES[sniff(data[:1024])]  # never from its name (an .html is no page)
    except InputError:  # stored, but not a document custid reads
        media_type = "application/octet-stream"
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": _attachment(document.filename),
                             **SECURITY_HEADERS})


def _attachment(filename: str) -> str:
    """The header a download is saved under its name by (RFC 6266; UTF-8 names percent-encoded,
    as Starlette's FileResponse does)."""
    quoted = quote(filename)
    return (f'attachment; filename="{filename}"' if quoted == filename
            else f"attachment; filename*=utf-8''{quoted}")


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
