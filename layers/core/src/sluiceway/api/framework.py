"""A small router over API Gateway REST proxy events (no web framework): requests, responses,
routes with ``{param}`` segments, and the validation of query strings and JSON bodies."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

from pydantic import BaseModel, TypeAdapter, ValidationError

from sluiceway.api.errors import (
    ApiError,
    InvalidRequest,
    MalformedJson,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sluiceway.api.backend import Backend

BASE_PATH = "/v1"
#: AWS Lambda's limit for a synchronous invocation's request (API Gateway's is 10 MB): a base64
#: upload fits documents up to about 4.5 MiB.
MAX_BODY_BYTES = 6 * 1024 * 1024
M = TypeVar("M", bound=BaseModel)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    query: dict[str, str]
    body: bytes
    request_id: str
    prefix: str = ""  # what precedes the path in public URLs (the stage, on execute-api hosts)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    def link(self, path: str) -> str:
        """The public path of ``path`` (relative to the API's base path)."""
        return f"{self.prefix}{BASE_PATH}{path}"


def _last_values(single: Any, multi: Any) -> dict[str, str]:
    """API Gateway's maps: ``multiValue*`` hold every value, the single maps the last one."""
    found: dict[str, str] = {}
    if isinstance(multi, dict):
        for name, values in multi.items():
            if isinstance(values, list) and values:
                found[str(name)] = str(values[-1])
    if isinstance(single, dict):
        for name, value in single.items():
            if value is not None:
                found[str(name)] = str(value)
    return found


def request_from_event(event: Any, request_id: str) -> Request:
    """A request from an API Gateway REST proxy integration event (see events/functions/api/)."""
    if not isinstance(event, dict) or not isinstance(event.get("httpMethod"), str):
        raise TypeError("the API handler needs an API Gateway REST proxy event (httpMethod, path)")
    path = str(event.get("path") or "/")
    context = event.get("requestContext") or {}
    headers = {
        k.lower(): v
        for k, v in _last_values(event.get("headers"), event.get("multiValueHeaders")).items()
    }
    query = _last_values(
        event.get("queryStringParameters"), event.get("multiValueQueryStringParameters")
    )
    raw = event.get("body")
    body = b""
    if isinstance(raw, str) and raw:
        if event.get("isBase64Encoded"):
            try:
                body = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                raise MalformedJson("the request body is not valid base64") from None
        else:
            body = raw.encode("utf-8", "surrogateescape")
    public = str(context.get("path") or path)
    prefix = public[: -len(path)] if public.endswith(path) and public != path else ""
    return Request(
        method=event["httpMethod"].upper(),
        path=path,
        headers=headers,
        query=query,
        body=body,
        request_id=str(context.get("requestId") or request_id),
        prefix=prefix.rstrip("/"),
    )


@dataclass
class Response:
    status: int
    body: BaseModel | dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def to_proxy(self, request_id: str) -> dict[str, Any]:
        """The API Gateway REST proxy integration's response."""
        if isinstance(self.body, BaseModel):
            text = self.body.model_dump_json()
        elif self.body is None:
            text = ""
        else:
            text = json.dumps(self.body, default=str, separators=(",", ":"))
        headers = {"Content-Type": "application/json", "X-Request-Id": request_id}
        headers.update(self.headers)
        return {
            "statusCode": self.status,
            "headers": headers,
            "body": text,
            "isBase64Encoded": False,
        }


def error_response(exc: ApiError) -> Response:
    return Response(exc.status, exc.body(), dict(exc.headers))


class Call:
    """What a route's handler gets: the request, the caller's tenant, validated inputs, and the
    backend (built on first use: health and the spec need no database)."""

    def __init__(
        self,
        request: Request,
        params: dict[str, str],
        tenant: str,
        backend: Callable[[], Backend],
        query: BaseModel | None = None,
        body: Any = None,
    ) -> None:
        self.request = request
        self.params = params
        self.tenant = tenant
        self._backend_factory = backend
        self._backend: Backend | None = None
        self.query = query
        self.body = body

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = self._backend_factory()
        return self._backend

    def query_as(self, model: type[M]) -> M:
        if not isinstance(self.query, model):
            raise TypeError(f"the route declares no {model.__name__} query")
        return self.query


@dataclass(frozen=True)
class Route:
    """One operation. ``path`` is relative to :data:`BASE_PATH`; ``query``, ``body`` and
    ``response`` are validated with pydantic and described in the OpenAPI spec."""

    method: str
    path: str
    handler: Callable[[Call], Response]
    operation_id: str
    summary: str
    status: int = 200
    response: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    body: Any = None
    auth: bool = True
    errors: tuple[type[ApiError], ...] = ()
    description: str = ""

    @property
    def segments(self) -> list[str]:
        return self.path.strip("/").split("/") if self.path.strip("/") else []

    def match(self, parts: Sequence[str]) -> dict[str, str] | None:
        segments = self.segments
        if len(segments) != len(parts):
            return None
        params: dict[str, str] = {}
        for segment, part in zip(segments, parts, strict=True):
            if segment.startswith("{") and segment.endswith("}"):
                if not part:
                    return None
                params[segment[1:-1]] = part
            elif segment != part:
                return None
        return params


class Router:
    def __init__(self, routes: Sequence[Route], base_path: str = BASE_PATH) -> None:
        self.routes = list(routes)
        self.base_path = base_path

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route and its path parameters; ``NotFound`` or ``MethodNotAllowed`` otherwise."""
        base = self.base_path
        if path != base and not path.startswith(base + "/"):
            raise NotFound(f"no route {path}: the API lives under {base}/")
        relative = path[len(base) :].strip("/")
        parts = [unquote(p) for p in relative.split("/")] if relative else []
        allowed: set[str] = set()
        for route in self.routes:
            params = route.match(parts)
            if params is None:
                continue
            if route.method == method:
                return route, params
            allowed.add(route.method)
        if allowed:
            methods = ", ".join(sorted(allowed))
            raise MethodNotAllowed(
                f"{method} is not allowed on {path}; allowed: {methods}", headers={"Allow": methods}
            )
        raise NotFound(f"no route {method} {path}; the routes are in {base}/openapi.json")


# Validation ---------------------------------------------------------------------------------


def validation_details(exc: ValidationError, *, tagged: bool = False) -> list[dict[str, str]]:
    """Pydantic's errors without the input (a base64 document can be megabytes) or links.
    ``tagged``: the first location is a tagged union's tag, not a field."""
    details = []
    for err in exc.errors(include_url=False, include_input=False, include_context=False):
        loc = [str(p) for p in err["loc"]]
        if tagged and len(loc) > 1:
            loc = loc[1:]
        message = str(err["msg"]).removeprefix("Value error, ")
        details.append({"loc": ".".join(loc) or "body", "message": message, "type": err["type"]})
    return details


def validate_query(model: type[M], query: dict[str, str]) -> M:
    try:
        return model.model_validate(query)
    except ValidationError as exc:
        details = validation_details(exc)
        raise InvalidRequest(
            "invalid query parameters: "
            + "; ".join(f"{d['loc']}: {d['message']}" for d in details),
            details=details,
        ) from None


@cache
def _adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)


def body_too_large(size: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the request body is {size} bytes; the limit is {MAX_BODY_BYTES} bytes (6 MiB, the "
        "Lambda payload limit): documents of up to about 4.5 MiB as base64. Put larger "
        'documents in the bucket and submit {"bucket": ..., "key": ...} instead.'
    )


def validate_body(annotation: Any, request: Request) -> Any:
    """The JSON body validated against ``annotation``: 413, 415, then 400 for malformed JSON or
    invalid fields."""
    size = len(request.body)
    if size > MAX_BODY_BYTES:
        raise body_too_large(size)
    if not request.body.strip():
        raise MalformedJson("the request has no body; send a JSON object")
    media = request.media_type
    if media != "application/json" and not media.endswith("+json"):
        raise UnsupportedMediaType(
            f"send the body as application/json (Content-Type: {media or 'missing'})"
        )
    try:
        data = json.loads(request.body)
    except ValueError as exc:
        raise MalformedJson(f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidRequest(f"the body must be a JSON object, not {type(data).__name__}")
    tagged = not (isinstance(annotation, type) and issubclass(annotation, BaseModel))
    try:
        return _adapter(annotation).validate_python(data)
    except ValidationError as exc:
        details = validation_details(exc, tagged=tagged)
        raise InvalidRequest(
            "invalid request body: " + "; ".join(f"{d['loc']}: {d['message']}" for d in details),
            details=details,
        ) from None
