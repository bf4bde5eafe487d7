"""The OpenAPI 3.1 description, generated from the route table. ``docs/openapi.json`` is its
committed copy (a test keeps them equal); regenerate it with::

    python -m sluiceway.api.openapi docs/openapi.json
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, TypeAdapter

from sluiceway import __version__
from sluiceway.api.errors import ApiError, ServiceUnavailable, Unauthorized
from sluiceway.api.framework import BASE_PATH
from sluiceway.api.models import TASK_ID_PATTERN, ErrorBody

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Literal

    from sluiceway.api.framework import Route

REF = "#/components/schemas/{model}"
_STATUS_TEXT = {
    200: "OK",
    202: "Accepted",
    400: "Bad request",
    401: "Missing or unknown API key",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict with the task's status",
    411: "Length required",
    413: "Payload too large",
    415: "Unsupported media type",
    500: "Unexpected error (with a request id)",
    503: "Database unavailable, retry later",
}


def _schema(
    annotation: Any, components: dict[str, Any], mode: Literal["validation", "serialization"]
) -> dict[str, Any]:
    schema = TypeAdapter(annotation).json_schema(ref_template=REF, mode=mode)
    components.update(schema.pop("$defs", {}))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        components[annotation.__name__] = schema
        return {"$ref": REF.format(model=annotation.__name__)}
    return schema


def _parameters(route: Route, components: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {
            "name": segment[1:-1],
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": TASK_ID_PATTERN},
        }
        for segment in route.segments
        if segment.startswith("{")
    ]
    if route.query is not None:
        schema = route.query.model_json_schema(ref_template=REF)
        components.update(schema.pop("$defs", {}))
        required = set(schema.get("required", []))
        for name, prop in schema["properties"].items():
            prop = {k: v for k, v in prop.items() if k != "title"}
            param: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
            if "description" in prop:
                param["description"] = prop.pop("description")
            params.append({**param, "schema": prop})
    return params


def _errors(route: Route) -> dict[int, list[str]]:
    errors: list[type[ApiError]] = list(route.errors)
    if route.auth:  # authenticated routes read the database
        errors += [Unauthorized, ServiceUnavailable]
    by_status: dict[int, list[str]] = {}
    for error in errors:
        by_status.setdefault(error.status, []).append(error.error)
    return by_status


def _operation(route: Route, components: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": route.operation_id, "summary": route.summary}
    if route.description:
        op["description"] = route.description
    params = _parameters(route, components)
    if params:
        op["parameters"] = params
    if route.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": _schema(route.body, components, "validation")}
            },
        }
    ok_schema = (
        _schema(route.response, components, "serialization")
        if route.response is not None
        else {"type": "object"}
    )
    responses: dict[str, Any] = {
        str(route.status): {
            "description": _STATUS_TEXT.get(route.status, "OK"),
            "content": {"application/json": {"schema": ok_schema}},
        }
    }
    if route.status == 202 and route.response is not None:
        responses["202"]["headers"] = {
            "Location": {"description": "The task's URL.", "schema": {"type": "string"}}
        }
    error_ref = {"application/json": {"schema": {"$ref": REF.format(model="ErrorBody")}}}
    for status, names in sorted(_errors(route).items()):
        responses[str(status)] = {
            "description": f"{_STATUS_TEXT.get(status, 'Error')}: {', '.join(names)}",
            "content": error_ref,
        }
    responses["500"] = {"description": _STATUS_TEXT[500], "content": error_ref}
    op["responses"] = responses
    op["security"] = [{"apiKey": []}] if route.auth else []
    return op


def build_spec(routes: Sequence[Route]) -> dict[str, Any]:
    components: dict[str, Any] = {}
    _schema(ErrorBody, components, "serialization")
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(BASE_PATH + route.path, {})[route.method.lower()] = _operation(
            route, components
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sluiceway API",
            "version": __version__,
            "description": "Submit documents to Sluiceway's pipelines and follow them step by "
            "step. Every route but health and this spec needs an API key (x-api-key header); "
            "each key belongs to one tenant and sees that tenant's tasks only. Errors are "
            '{"error": <TypedName>, "message": ...}. See docs/api.md.',
        },
        "servers": [{"url": "http://127.0.0.1:8787", "description": "sluiceway serve"}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"}},
        },
    }


@cache
def spec() -> dict[str, Any]:
    """The spec of the API's own route table (what ``GET /v1/openapi.json`` serves)."""
    from sluiceway.api.routes import ROUTES

    return build_spec(ROUTES)


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render(spec())
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
