"""POST /v1/tasks over in-memory fakes: store, remember, enqueue; every client mistake is a 4xx."""

from __future__ import annotations

import base64
import json

import pytest

from sluiceway import ingest
from sluiceway.api import MAX_BODY_BYTES
from tests.unit.test_api import KEY_B, Fixture, api

__all__ = ["api"]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def upload(filename: str = "letter.txt", data: bytes = b"Dear Ms. Fernhill") -> dict[str, str]:
    return {"filename": filename, "content_base64": b64(data)}


def test_an_upload_is_stored_enqueued_and_answered_202(api: Fixture) -> None:
    status, headers, body = api.call("POST", "/v1/tasks", upload("March invoice.txt"))
    assert status == 202
    task_id = body["task_id"]
    assert body["status"] == "QUEUED"
    assert headers["Location"] == f"/v1/tasks/{task_id}" == body["links"]["self"]
    key = f"uploads/acme/{task_id}/March invoice.txt"
    assert body["key"] == key and body["bucket"] == "documents"
    assert api.objects.objects[key] == b"Dear Ms. Fernhill"
    # One message on the ingest queue, which the ingest function turns into this execution.
    [message] = api.queue.sent
    [submission] = ingest.parse_message(message.body, pipeline="x", default_tenant="y")
    assert (submission.task_id, submission.tenant_id, submission.key) == (task_id, "acme", key)
    assert submission.pipeline == "document"
    assert submission.tenant_id == ingest.tenant_of(key, "default")
    # Until the ingest function starts it, the task is QUEUED, for its own tenant only.
    status, _, task = api.call("GET", headers["Location"])
    assert (status, task["status"], task["steps"]) == (200, "QUEUED", [])
    assert api.call("GET", headers["Location"], key=KEY_B)[0] == 404
    assert [t["task_id"] for t in api.call("GET", "/v1/tasks?status=QUEUED")[2]["tasks"]] == [
        task_id
    ]


def test_the_location_keeps_the_stage_behind_api_gateway(api: Fixture) -> None:
    from sluiceway.runtime.local.http import proxy_event

    event = proxy_event(
        "POST",
        "/v1/tasks",
        [("x-api-key", "slw_key-of-acme"), ("content-type", "application/json")],
        json.dumps(upload()).encode(),
    )
    event["requestContext"]["path"] = "/prod/v1/tasks"
    response = api.api(event, None)
    assert response["statusCode"] == 202
    assert response["headers"]["Location"].startswith("/prod/v1/tasks/")


def test_an_idempotency_key_submits_once(api: Fixture) -> None:
    headers = [("Idempotency-Key", "order-42")]
    first = api.call("POST", "/v1/tasks", upload(), headers=headers)
    again = api.call("POST", "/v1/tasks", upload(), headers=headers)
    other = api.call("POST", "/v1/tasks", upload(), headers=headers, key=KEY_B)
    assert first[0] == again[0] == 202
    assert first[2]["task_id"] == again[2]["task_id"] != other[2]["task_id"]
    assert len(api.queue.sent) == 2


def test_a_failed_enqueue_forgets_the_submission(api: Fixture) -> None:
    api.queue.fail = True
    status, _, body = api.call("POST", "/v1/tasks", upload())
    assert (status, body["error"]) == (500, "InternalError")
    assert api.data.submissions == {}


@pytest.mark.parametrize(
    ("body", "loc", "fragment"),
    [
        ({"filename": "a.txt", "content_base64": "not base64!"}, "content_base64", "base64"),
        ({"filename": "a.txt", "content_base64": "QUJ"}, "content_base64", "base64"),
        ({"filename": "", "content_base64": "QUJD"}, "filename", "at least 1"),
        ({"filename": "   ", "content_base64": "QUJD"}, "filename", "empty"),
        ({"filename": "../etc/passwd", "content_base64": "QUJD"}, "filename", "not a path"),
        ({"filename": "a\x00.txt", "content_base64": "QUJD"}, "filename", "control"),
        ({"filename": "a.txt"}, "content_base64", "required"),
        ({"filename": "a.txt", "content_base64": ""}, "content_base64", "at least 1"),
        ({"filename": "a.txt", "content_base64": 12}, "content_base64", "string"),
        ({"filename": "a.txt", "content_base64": "QUJD", "extra": 1}, "extra", "not permitted"),
        ({"filename": "a.txt", "content_base64": "QUJD", "pipeline": "Bad Name"}, "pipeline", ""),
        ({"filename": "a.txt", "content_base64": "QUJD", "pipeline": "other"}, "pipeline", "known"),
        ({"name": "a.txt"}, "body", "either filename and content_base64"),
        ({"bucket": "documents"}, "key", "required"),
    ],
)
def test_invalid_fields_are_400_with_details(
    api: Fixture, body: dict[str, object], loc: str, fragment: str
) -> None:
    status, _, error = api.call("POST", "/v1/tasks", body)
    assert status == 400, error
    assert error["error"] == "InvalidRequest"
    assert loc in [d["loc"] for d in error["details"]], error
    assert fragment in json.dumps(error)
    assert api.queue.sent == [] and api.objects.objects == {}


def test_an_empty_document_is_400(api: Fixture) -> None:
    status, _, error = api.call("POST", "/v1/tasks", {"filename": "a.txt", "content_base64": "=="})
    assert status == 400
    assert error["error"] == "InvalidRequest"


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"{not json", "MalformedJson"),
        (b'{"filename": "a.txt",', "MalformedJson"),
        (b"\xff\xfe\x00", "MalformedJson"),
        (b"   ", "MalformedJson"),
        (b"[1, 2]", "InvalidRequest"),
        (b'"a string"', "InvalidRequest"),
    ],
)
def test_malformed_json_is_400(api: Fixture, raw: bytes, error: str) -> None:
    status, _, body = api.call("POST", "/v1/tasks", raw)
    assert (status, body["error"]) == (400, error)


def test_a_missing_body_is_400(api: Fixture) -> None:
    status, _, body = api.call("POST", "/v1/tasks")
    assert (status, body["error"]) == (400, "MalformedJson")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_is_415(api: Fixture, content_type: str | None) -> None:
    status, _, body = api.call("POST", "/v1/tasks", upload(), content_type=content_type)
    assert (status, body["error"]) == (415, "UnsupportedMediaType")


def test_json_with_a_charset_is_fine(api: Fixture) -> None:
    status, _, _ = api.call(
        "POST", "/v1/tasks", upload(), content_type="application/json; charset=utf-8"
    )
    assert status == 202


def test_a_body_over_the_lambda_limit_is_413(api: Fixture) -> None:
    raw = json.dumps(upload(data=b"x" * (MAX_BODY_BYTES * 3 // 4 + 10))).encode()
    assert len(raw) > MAX_BODY_BYTES
    status, _, body = api.call("POST", "/v1/tasks", raw)
    assert (status, body["error"]) == (413, "PayloadTooLarge")
    assert "6 MiB" in body["message"] and '"key"' in body["message"]


def test_a_document_over_the_configured_limit_is_413(api: Fixture) -> None:
    status, _, body = api.call("POST", "/v1/tasks", upload(data=b"x" * (1024 * 1024 + 1)))
    assert (status, body["error"]) == (413, "DocumentTooLarge")


def test_a_reference_to_an_object_of_the_tenant(api: Fixture) -> None:
    api.objects.put("uploads/acme/2026-11/report.pdf", b"%PDF")
    status, headers, body = api.call(
        "POST", "/v1/tasks", {"bucket": "documents", "key": "uploads/acme/2026-11/report.pdf"}
    )
    assert status == 202
    assert body["key"] == "uploads/acme/2026-11/report.pdf"  # taken where it is, not copied
    assert body["filename"] == "report.pdf"
    assert headers["Location"].endswith(body["task_id"])
    assert len(api.queue.sent) == 1


@pytest.mark.parametrize(
    "key",
    [
        "uploads/globex/2026-11/report.pdf",
        "uploads/acme/../globex/x/report.pdf",
        "uploads/acme/report.pdf/",
        "uploads/acmeco/x/report.pdf",
        "derived/abc/text.txt",
        "uploads/acme",
    ],
)
def test_a_reference_outside_the_tenant_prefix_is_403(api: Fixture, key: str) -> None:
    api.objects.put(key, b"secret")
    status, _, body = api.call("POST", "/v1/tasks", {"bucket": "documents", "key": key})
    assert (status, body["error"]) == (403, "Forbidden")
    assert api.queue.sent == []


def test_a_reference_to_a_missing_object_or_another_bucket_is_400(api: Fixture) -> None:
    status, _, body = api.call(
        "POST", "/v1/tasks", {"bucket": "documents", "key": "uploads/acme/x/missing.pdf"}
    )
    assert (status, body["error"]) == (400, "ObjectNotFound")
    status, _, body = api.call(
        "POST", "/v1/tasks", {"bucket": "elsewhere", "key": "uploads/acme/x/a.pdf"}
    )
    assert (status, body["error"]) == (400, "InvalidRequest")
    assert body["details"][0]["loc"] == "bucket"
