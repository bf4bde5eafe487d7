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


class LengthRequired(ApiError):
    status, error = 411, "LengthRequired"


class PayloadTooLarge(ApiError):
    status, error = 413, "PayloadTooLarge"


class UnsupportedMediaType(ApiError):
    status, error = 415, "UnsupportedMediaType"


class ServiceUnavailable(ApiError):
    status, error = 503, "ServiceUnavailable"


#: Every typed error the API answers with, for the OpenAPI spec and the docs.
ERRORS: tuple[type[ApiError], ...] = (
    MalformedJson,
    InvalidRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    TaskNotFound,
    MethodNotAllowed,
    Conflict,
    LengthRequired,
    PayloadTooLarge,
    UnsupportedMediaType,
    ServiceUnavailable,
)
