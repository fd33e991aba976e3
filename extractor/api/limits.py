"""What one client may ask of the API: bodies of JSON routes are read only for a valid key and
only up to CUSTID_MAX_BODY_BYTES (counted as they arrive), uploads at most
CUSTID_MAX_UPLOADS_PER_KEY at once, and pages are served with headers that keep them from being
framed or sniffed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from extractor.errors import CustidError, TooLarge, TooManyUploads, Unauthorized

UPLOAD = ("POST", "/v1/documents")  # streamed to disk by its own route, within its own limits
SECURITY_HEADERS = {
    # blob: for the evidence PNGs the page fetches with its key and shows from memory
    "Content-Security-Policy": "default-src 'self'; img-src 'self' blob:; object-src 'none'; "
                               "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


def answer(error: CustidError, **more: object) -> JSONResponse:
    """Every error of the API: `{"detail": {"code", "message", ...more}}`."""
    return JSONResponse({"detail": {"code": error.code, "message": error.message, **more}},
                        status_code=error.http_status, headers=error.headers)


class BodyLimit:
    """ASGI middleware: a request with a body (but the upload) answers 401 without a valid key
    and 413 past `limit` bytes, before the route reads any of it (FastAPI reads and parses the
    body before its dependencies check the key)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope) if scope["type"] == "http" else Headers()
        if scope["type"] != "http" or (scope["method"], scope["path"]) == UPLOAD or not (
                "transfer-encoding" in headers or headers.get("content-length", "0") != "0"):
            await self.app(scope, receive, send)
            return
        error = await self._refusal(scope, headers)
        chunks: list[bytes] = []
        size = 0
        more = error is None
        while more:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                error = self._too_large()
                break
            chunks.append(chunk)
            more = message.get("more_body", False) and message["type"] == "http.request"
        if error is not None:
            error.headers["Connection"] = "close"  # the rest of the body is never read
            await answer(error)(scope, receive, send)
            return
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    def _too_large(self) -> TooLarge:
        return TooLarge(f"the body is larger than {self.limit} bytes")

    async def _refusal(self, scope: Scope, headers: Headers) -> CustidError | None:
        """401 without a valid key (the app's routes that take a body all need one), 413 for a
        declared length over the limit."""
        state = Request(scope).app.state
        scheme, _, key = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key or (state.keys.get(key) is None and (
                await run_in_threadpool(state.keys.verify, state.db, key) is None)):
            return Unauthorized("a valid API key is needed: Authorization: Bearer <key>",
                                headers={"WWW-Authenticate": "Bearer"})
        with suppress(ValueError):  # the server answers a malformed length itself
            if int(headers.get("content-length", "0")) > self.limit:
                return self._too_large()
        return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read, then what the server sends next (a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return replayed


class UploadSlots:
    """Uploads in flight per API key (of this API process), at most `limit` each."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._taken: Counter[str] = Counter()

    @contextmanager
    def take(self, key_id: str) -> Iterator[None]:
        if self._taken[key_id] >= self.limit:
            raise TooManyUploads(f"at most {self.limit} uploads at once per key",
                                 headers={"Retry-After": "1"})
        self._taken[key_id] += 1
        try:
            yield
        finally:
            self._taken[key_id] -= 1
            if not self._taken[key_id]:
                del self._taken[key_id]


def secured(app: ASGIApp) -> ASGIApp:
    """`app` (the web page's assets), its answers with SECURITY_HEADERS."""
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *(
                    (name.lower().encode(), value.encode())
                    for name, value in SECURITY_HEADERS.items())]
            await send(message)
        await app(scope, receive, send_secured)
    return wrapped
