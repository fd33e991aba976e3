"""Every error custid reports, each an exception that carries its stable code (a result's
`error.code`, the API's `detail.code`: part of the JSON contract), the command line's exit status
and the API's HTTP status. README.md's table of error codes lists them all."""

from __future__ import annotations

from collections.abc import Mapping


class CustidError(Exception):
    """Base of every error custid reports to a user."""

    code = "error"
    exit_status = 1
    http_status = 500

    def __init__(self, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = dict(headers or {})  # of the API's answer (say, Retry-After)


class InputError(CustidError):
    """The document itself cannot be read; other documents are unaffected."""

    exit_status = 2
    http_status = 400


class EmptyInput(InputError):
    code = "empty"


class UnsupportedType(InputError):
    code = "unsupported_type"


class EncryptedDocument(InputError):
    code = "encrypted"


class MalformedDocument(InputError):
    code = "malformed"


class TooLarge(InputError):
    code = "too_large"
    http_status = 413


class TooManyMessages(InputError):
    """An uploaded mailbox holds more messages than CUSTID_MAX_MAILBOX_MESSAGES."""

    code = "too_many_messages"
    http_status = 413


class NeedsOcr(InputError):
    """Pages without a text layer while OCR is off."""

    code = "needs_ocr"


class Unreadable(InputError):
    """The file could not be opened or read (a missing file, no permission)."""

    code = "unreadable"


class BadUpload(InputError):
    """Not a multipart upload with a `file`, or one over the limits of files and fields."""

    code = "bad_upload"


class PatternError(CustidError):
    """A pattern pack is invalid; the message names the file and line."""

    code = "bad_pattern"
    exit_status = 3


class DependencyMissing(CustidError):
    """A system tool (Tesseract, a language pack) is not installed."""

    code = "dependency_missing"
    exit_status = 4


class CalibrationError(CustidError):
    """The confidence calibration is missing or unreadable: the installation is incomplete."""

    code = "bad_calibration"
    exit_status = 4  # as for a missing dependency


class ProcessingError(CustidError):
    """The service stopped processing a document: it is failed, the others go on."""

    exit_status = 2


class ProcessingTimeout(ProcessingError):
    code = "timeout"


class InternalError(ProcessingError):
    """A bug: the message is the exception, numbers masked."""

    code = "internal_error"


class GaveUp(ProcessingError):
    """Processing the document stopped (a worker died) as many times as allowed."""

    code = "gave_up"


class WebhookRefused(CustidError):
    """The webhook URL is not allowed (scheme, allow-list, address)."""

    code = "webhook_refused"
    http_status = 422


class WebhookFailed(CustidError):
    """A call that may succeed later: the host did not answer, or answered 5xx or 429."""

    code = "webhook_failed"


class BadRequest(CustidError):
    code = "bad_request"
    http_status = 400


class Unauthorized(CustidError):
    code = "unauthorized"
    http_status = 401


class Forbidden(CustidError):
    code = "forbidden"
    http_status = 403


class NotFound(CustidError):
    code = "not_found"
    http_status = 404


class MethodNotAllowed(CustidError):
    code = "method_not_allowed"
    http_status = 405


class ReviewRefused(CustidError):
    """A review decision that cannot be carried out (say, confirming a number without an
    issuer)."""

    code = "review_refused"
    http_status = 409


class InvalidRequest(CustidError):
    """Parameters or a body that do not fit the route's schema."""

    code = "invalid_request"
    http_status = 422


class RateLimited(CustidError):
    code = "rate_limited"
    http_status = 429


class UploadStalled(CustidError):
    """An upload's next bytes did not come within CUSTID_UPLOAD_IDLE_SECONDS."""

    code = "upload_stalled"
    http_status = 408


class TooManyUploads(CustidError):
    """More uploads at once with one key than CUSTID_MAX_UPLOADS_PER_KEY."""

    code = "too_many_uploads"
    http_status = 429


class StorageError(CustidError):
    code = "storage_error"


class DatabaseUnavailable(CustidError):
    code = "unavailable"
    http_status = 503


class DiskFull(CustidError):
    code = "disk_full"
    http_status = 507


# The errors of a status when the web framework answers it (an unknown route, a bad method).
BY_STATUS: dict[int, type[CustidError]] = {error.http_status: error for error in (
    BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, InvalidRequest, RateLimited)}

