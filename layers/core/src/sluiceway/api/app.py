"""The API's Lambda handler: an API Gateway REST proxy event in, a proxy response out. The local
HTTP server (``runtime/local/http.py``) feeds it the same events."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg_pool import PoolTimeout

from sluiceway.api.auth import hash_key
from sluiceway.api.errors import ApiError, ServiceUnavailable, Unauthorized
from sluiceway.api.framework import (
    Call,
    Request,
    Response,
    Router,
    error_response,
    request_from_event,
    validate_body,
    validate_query,
)
from sluiceway.api.routes import ROUTES
from sluiceway.errors import StoreUnavailable

if TYPE_CHECKING:
    from collections.abc import Callable

    from sluiceway.api.backend import Backend

log = logging.getLogger("sluiceway.api")
API_KEY_HEADER = "x-api-key"


def default_backend() -> Backend:
    from sluiceway.api.backend import backend_from_deps
    from sluiceway.runtime.deps import get_deps

    return backend_from_deps(get_deps())


class Api:
    """Routes a request, authenticates the caller (``x-api-key`` -> tenant), validates its query
    and body, runs the operation, and turns every failure into a typed JSON error."""

    def __init__(
        self, backend: Callable[[], Backend] = default_backend, router: Router | None = None
    ) -> None:
        self.backend = backend
        self.router = router or Router(ROUTES)

    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        request_id = str(getattr(context, "aws_request_id", "") or uuid.uuid4())
        try:
            request = request_from_event(event, request_id)
        except ApiError as exc:
            return error_response(exc).to_proxy(request_id)
        except Exception:
            log.exception("request %s: not an API Gateway proxy event", request_id)
            return self._internal_error(request_id).to_proxy(request_id)
        return self.handle(request).to_proxy(request.request_id)

    def handle(self, request: Request) -> Response:
        try:
            return self.dispatch(request)
        except ApiError as exc:
            return error_response(exc)
        except (StoreUnavailable, psycopg.OperationalError, PoolTimeout) as exc:
            log.warning("request %s: %s", request.request_id, exc)
            return error_response(
                ServiceUnavailable(
                    "the database is unavailable; try again shortly", headers={"Retry-After": "5"}
                )
            )
        except Exception:
            log.exception(
                "request %s: %s %s failed", request.request_id, request.method, request.path
            )
            return self._internal_error(request.request_id)

    @staticmethod
    def _internal_error(request_id: str) -> Response:
        body = {
            "error": "InternalError",
            "message": f"an unexpected error occurred; quote request id {request_id} to report it",
            "request_id": request_id,
        }
        return Response(500, body)

    def dispatch(self, request: Request) -> Response:
        route, params = self.router.match(request.method, request.path)
        backend: Backend | None = None

        def get_backend() -> Backend:
            nonlocal backend
            if backend is None:
                backend = self.backend()
            return backend

        tenant = ""
        if route.auth:
            key = (request.header(API_KEY_HEADER) or "").strip()
            if not key:
                raise Unauthorized(f"send your API key in the {API_KEY_HEADER} header")
            found = get_backend().data.tenant_for_key(hash_key(key))
            if found is None:
                raise Unauthorized("the API key is not valid (unknown or revoked)")
            tenant = found
        query = validate_query(route.query, request.query) if route.query else None
        body = validate_body(route.body, request) if route.body is not None else None
        call = Call(request, params, tenant, get_backend, query=query, body=body)
        return route.handler(call)
