"""Typed API errors: each becomes ``{"error": <name>, "message": ...}`` with its status code.

Client mistakes are 4xx and never logged as failures; anything else is a 500 carrying the
request id (and logged with it)."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answered to the client. ``error`` is the typed name clients match on."""

    status = 400
    error = "BadRequest"

    def __init__(
        self,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        error: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}
        if error is not None:
            self.error = error

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


class MalformedJson(ApiError):
    status, error = 400, "MalformedJson"


class InvalidRequest(ApiError):
    """Fields that fail validation; ``details`` lists them (``loc``, ``message``, ``type``)."""

    status, error = 400, "InvalidRequest"


class ObjectNotFound(InvalidRequest):
    """A submission names an object that is not in the bucket."""

    error = "ObjectNotFound"


class Unauthorized(ApiError):
    status, error = 401, "Unauthorized"


class Forbidden(ApiError):
    status, error = 403, "Forbidden"


class NotFound(ApiError):
    status, error = 404, "NotFound"


class TaskNotFound(NotFound):
    error = "TaskNotFound"


class MethodNotAllowed(ApiError):
    status, error = 405, "MethodNotAllowed"


class Conflict(ApiError):
    status, error = 409, "Conflict"


class TaskNotStarted(Conflict):
    """The task is QUEUED: its execution has not started, so it cannot be retried or cancelled."""

    error = "TaskNotStarted"


class TaskNotRetryable(Conflict):
    error = "TaskNotRetryable"


class TaskNotRedrivable(Conflict):
    error = "TaskNotRedrivable"


class TaskNotCancellable(Conflict):
    error = "TaskNotCancellable"


class LengthRequired(ApiError):
    status, error = 411, "LengthRequired"


class PayloadTooLarge(ApiError):
    status, error = 413, "PayloadTooLarge"


class DocumentTooLarge(PayloadTooLarge):
    """The decoded document exceeds the configured size limit."""

    error = "DocumentTooLarge"


class UnsupportedMediaType(ApiError):
    status, error = 415, "UnsupportedMediaType"


class ServiceUnavailable(ApiError):
    status, error = 503, "ServiceUnavailable"


#: Every typed error the API answers with, for the OpenAPI spec and the docs.
ERRORS: tuple[type[ApiError], ...] = (
    MalformedJson,
    InvalidRequest,
    ObjectNotFound,
    Unauthorized,
    Forbidden,
    NotFound,
    TaskNotFound,
    MethodNotAllowed,
    TaskNotStarted,
    TaskNotRetryable,
    TaskNotRedrivable,
    TaskNotCancellable,
    LengthRequired,
    PayloadTooLarge,
    DocumentTooLarge,
    UnsupportedMediaType,
    ServiceUnavailable,
)
