"""The sample API Gateway events (events/functions/api/), the local server's events, and the
one-line handler."""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from sluiceway.api import lambda_handler
from sluiceway.api.framework import request_from_event
from sluiceway.ingest import Submission
from sluiceway.runtime.local.http import proxy_event
from tests.conftest import EVENTS, ROOT
from tests.unit.test_api import Fixture, api

__all__ = ["api"]
SAMPLES = sorted((EVENTS / "functions" / "api").glob("*.json"))
SAMPLE_KEY = "slw_sample-key-for-the-sample-events-only"
EXPECTED = {
    "cancel-task.json": 409,  # the sample task is QUEUED in the fixture
    "get-health.json": 200,
    "get-openapi.json": 200,
    "get-task.json": 200,
    "list-task-events.json": 200,
    "list-tasks.json": 200,
    "malformed-body-not-json.json": 400,
    "redrive-task.json": 409,
    "retry-task.json": 409,
    "search.json": 200,
    "submit-reference.json": 202,
    "submit-upload.json": 202,
}


def keys(node: dict[str, Any]) -> set[str]:
    return set(node)


def test_every_sample_has_an_expectation() -> None:
    assert {p.name for p in SAMPLES} == set(EXPECTED)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_events_are_handled(api: Fixture, path: Path) -> None:
    from sluiceway.api.auth import hash_key

    api.data.keys[hash_key(SAMPLE_KEY)] = "acme"
    api.data.add_submission(
        Submission(
            "sample-api-submission", "acme", "document", "documents", "uploads/acme/x/a", "a"
        )
    )
    api.objects.put("uploads/acme/2026-11/report.pdf", b"%PDF-1.7")
    event = json.loads(path.read_text())
    response = api.api(event, None)
    assert response["statusCode"] == EXPECTED[path.name], response["body"]
    assert response["isBase64Encoded"] is False
    json.loads(response["body"])
    if response["statusCode"] == 202:
        # Behind API Gateway's execute-api host, links keep the stage.
        assert response["headers"]["Location"].startswith("/prod/v1/tasks/")


def test_local_events_have_the_shape_of_the_samples() -> None:
    sample = json.loads((EVENTS / "functions" / "api" / "submit-upload.json").read_text())
    local = proxy_event(
        "POST",
        "/v1/tasks?a=1&a=2&b=",
        [
            ("Content-Type", "application/json"),
            ("X-Api-Key", "k"),
            ("Accept", "a"),
            ("Accept", "b"),
        ],
        b'{"x": 1}',
    )
    assert keys(local) == keys(sample)
    assert keys(local["requestContext"]) == keys(sample["requestContext"])
    assert keys(local["requestContext"]["identity"]) == keys(sample["requestContext"]["identity"])
    assert local["queryStringParameters"] == {"a": "2", "b": ""}
    assert local["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": [""]}
    assert local["multiValueHeaders"]["Accept"] == ["a", "b"]
    assert local["headers"]["Accept"] == "b"
    assert local["requestContext"]["identity"]["apiKey"] == "k"
    assert (local["body"], local["isBase64Encoded"]) == ('{"x": 1}', False)
    request = request_from_event(local, "fallback")
    assert request.query == {"a": "2", "b": ""}
    assert request.header("x-api-key") == "k"
    assert request.prefix == ""


def test_binary_bodies_travel_base64_encoded() -> None:
    event = proxy_event("POST", "/v1/tasks", [], b"\xff\x00binary")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\x00binary"
    assert request_from_event(event, "x").body == b"\xff\x00binary"


def test_the_handler_is_one_line_over_the_package() -> None:
    path = ROOT / "functions" / "api" / "handler.py"
    spec = importlib.util.spec_from_file_location("functions.api.handler", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.lambda_handler is lambda_handler
