"""The HTTP API for real: the local server on 127.0.0.1 (ephemeral port), the embedded Postgres,
the ingest queue and function, a worker. Requests go through urllib / http.client."""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from sluiceway import ingest
from sluiceway.api.queries import create_api_key
from sluiceway.runtime.deps import Deps
from sluiceway.runtime.local.consumer import QueueConsumer
from sluiceway.runtime.local.functions import FunctionRegistry
from sluiceway.runtime.local.http import ApiServer
from tests.conftest import SAMPLES
from tests.integration.helpers import run_worker

pytestmark = pytest.mark.integration

INVOICE = SAMPLES / "documents" / "invoice-fernhill-INV-88417.txt"
PIPELINE_STEPS = {"Extract", "Plan", "Chunk", "Classify", "Embed", "ExtractFields", "Finalize"}
TIMEOUT = 20  # seconds, per request


class Client:
    def __init__(self, base: str, key: str | None) -> None:
        self.base = base
        self.key = key

    def __call__(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        key: str | None = "",
    ) -> tuple[int, dict[str, str], Any]:
        all_headers = dict(headers or {})
        api_key = self.key if key == "" else key
        if api_key:
            all_headers["x-api-key"] = api_key
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        if data is not None:
            all_headers["Content-Type"] = content_type
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=all_headers
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                status, got, text = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            status, got, text = exc.code, dict(exc.headers), exc.read()
        return status, got, json.loads(text) if text else None


def upload_body(path: Any = INVOICE, filename: str | None = None) -> dict[str, str]:
    return {
        "filename": filename or path.name,
        "content_base64": base64.b64encode(path.read_bytes()).decode(),
    }


@pytest.fixture
def server(deps: Deps) -> Iterator[ApiServer]:
    """The API function (functions/api/handler.py) behind the local server, on a free port."""
    handler = FunctionRegistry(deps.settings.functions_dir).handler("api")
    with ApiServer(handler, port=0) as running:
        yield running


@pytest.fixture
def acme(deps: Deps, server: ApiServer) -> Client:
    return Client(server.url, create_api_key(deps.db, "acme", "tests"))


@pytest.fixture
def globex(deps: Deps, server: ApiServer) -> Client:
    return Client(server.url, create_api_key(deps.db, "globex"))


def run_ingest(deps: Deps) -> int:
    """What the ingest function's event source does: receive, invoke, delete what succeeded."""
    queue = deps.ingest_queue
    batch = queue.receive(10, wait_seconds=1)
    consumer = QueueConsumer(
        queue,
        FunctionRegistry(deps.settings.functions_dir).handler("ingest"),
        function_name="ingest",
    )
    if batch:
        consumer.process(batch)
    assert consumer.failed == 0
    return consumer.processed


def test_upload_queue_ingest_worker_then_the_task_succeeded_with_steps(
    deps: Deps, acme: Client, globex: Client
) -> None:
    status, headers, body = acme("POST", "/v1/tasks", upload_body(filename="march invoice.txt"))
    assert status == 202, body
    task_id = body["task_id"]
    location = headers["Location"]
    assert location == f"/v1/tasks/{task_id}"
    assert deps.objects.get(f"uploads/acme/{task_id}/march invoice.txt") == INVOICE.read_bytes()

    # Between the POST and the ingest function, the task is QUEUED (for acme only).
    status, _, task = acme("GET", location)
    assert (status, task["status"], task["filename"]) == (200, "QUEUED", "march invoice.txt")
    assert globex("GET", location)[0] == 404
    assert deps.store.get_task(task_id) is None  # the API started nothing itself

    # The message on the ingest queue is the submission.
    [message] = deps.ingest_queue.receive(10, wait_seconds=1)
    [submission] = ingest.parse_message(message.body, pipeline="x", default_tenant="y")
    assert (submission.task_id, submission.tenant_id) == (task_id, "acme")
    deps.ingest_queue.change_visibility(message.receipt_handle, 0)
    assert run_ingest(deps) == 1
    status, _, task = acme("GET", location)
    assert task["status"] == "PENDING"
    assert deps.db.fetch_all("api_list_tasks", tenant_id="acme", status="QUEUED", limit=5) == []

    run_worker(deps)
    status, _, task = acme("GET", location)
    assert status == 200
    assert task["status"] == "SUCCEEDED", task
    assert task["document_type"] == "invoice"
    assert task["fields"] and task["cost_usd"] > 0
    assert task["started_at"] and task["finished_at"] and task["duration_seconds"] is not None
    assert {s["name"] for s in task["steps"]} == PIPELINE_STEPS
    assert all(s["status"] == "SUCCEEDED" for s in task["steps"])

    status, _, events = acme("GET", f"{location}/events")
    assert status == 200 and events["status"] == "SUCCEEDED"
    kinds = [e["kind"] for e in events["events"]]
    assert kinds[0] == "step.started" and "task.succeeded" in kinds
    status, _, newer = acme("GET", f"{location}/events?after={events['next_after']}")
    assert newer["events"] == [] and newer["next_after"] == events["next_after"]

    listed = acme("GET", "/v1/tasks?status=SUCCEEDED")[2]["tasks"]
    assert [t["task_id"] for t in listed] == [task_id]
    status, _, found = acme("GET", "/v1/search?q=total+amount+due&limit=3")
    assert status == 200 and found["results"]
    assert {hit["task_id"] for hit in found["results"]} == {task_id}

    # Tenant isolation: globex sees none of it.
    for method, path in [
        ("GET", location),
        ("GET", f"{location}/events"),
        ("POST", f"{location}/retry"),
        ("POST", f"{location}/cancel"),
    ]:
        status, _, error = globex(method, path)
        assert (status, error["error"]) == (404, "TaskNotFound")
    assert globex("GET", "/v1/tasks")[2] == {"tasks": []}
    assert globex("GET", "/v1/search?q=total+amount+due")[2]["results"] == []
    # ... and acme cannot retry or cancel a finished task.
    assert acme("POST", f"{location}/retry")[2]["error"] == "TaskNotRetryable"
    assert acme("POST", f"{location}/cancel")[2]["error"] == "TaskNotCancellable"


def test_a_failed_task_is_retried_and_cancelled(deps: Deps, acme: Client) -> None:
    status, _, body = acme("POST", "/v1/tasks", upload_body(SAMPLES / "bad" / "corrupt.pdf"))
    assert status == 202
    location = f"/v1/tasks/{body['task_id']}"
    assert run_ingest(deps) == 1
    run_worker(deps)
    task = acme("GET", location)[2]
    assert (task["status"], task["error"]) == ("FAILED", "CorruptDocument")
    assert task["message"]

    status, headers, retried = acme("POST", f"{location}/retry")
    assert (status, retried["status"], headers["Location"]) == (202, "PENDING", location)
    assert acme("GET", location)[2]["status"] == "PENDING"
    status, _, cancelled = acme("POST", f"{location}/cancel")
    assert (status, cancelled["status"]) == (200, "CANCELLED")
    assert acme("GET", location)[2]["status"] == "CANCELLED"
    assert acme("POST", f"{location}/retry")[0] == 202


def test_a_reference_and_an_idempotent_upload(deps: Deps, acme: Client) -> None:
    deps.objects.put("uploads/acme/drop/letter.txt", b"Dear Sir, the total amount due is 12 EUR.")
    status, _, body = acme(
        "POST", "/v1/tasks", {"bucket": deps.objects.bucket, "key": "uploads/acme/drop/letter.txt"}
    )
    assert (status, body["key"], body["filename"]) == (
        202,
        "uploads/acme/drop/letter.txt",
        "letter.txt",
    )
    first = acme("POST", "/v1/tasks", upload_body(), headers={"Idempotency-Key": "inv-88417"})
    again = acme("POST", "/v1/tasks", upload_body(), headers={"Idempotency-Key": "inv-88417"})
    assert first[2]["task_id"] == again[2]["task_id"]
    assert run_ingest(deps) == 2  # the reference and the upload, once
    third = acme("POST", "/v1/tasks", upload_body(), headers={"Idempotency-Key": "inv-88417"})
    assert (third[0], third[2]["task_id"]) == (202, first[2]["task_id"])
    assert deps.ingest_queue.receive(10) == []


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        ({"body": {"filename": "a.txt", "content_base64": "%%%"}}, 400, "InvalidRequest"),
        ({"body": {"filename": "", "content_base64": "QUJD"}}, 400, "InvalidRequest"),
        ({"body": {"file": "a.txt"}}, 400, "InvalidRequest"),
        ({"raw": b'{"filename": "a.txt", '}, 400, "MalformedJson"),
        ({"raw": b"[]"}, 400, "InvalidRequest"),
        (
            {"raw": b'{"filename": "a.txt"}', "content_type": "text/plain"},
            415,
            "UnsupportedMediaType",
        ),
        ({"raw": b"x" * (7 * 1024 * 1024)}, 413, "PayloadTooLarge"),
        ({"body": {"bucket": "documents", "key": "uploads/globex/x/a.txt"}}, 403, "Forbidden"),
        (
            {"body": {"filename": "a.txt", "content_base64": "QUJD"}, "key": None},
            401,
            "Unauthorized",
        ),
        (
            {"body": {"filename": "a.txt", "content_base64": "QUJD"}, "key": "slw_x"},
            401,
            "Unauthorized",
        ),
    ],
)
def test_bad_requests_are_4xx_with_a_typed_error(
    deps: Deps, acme: Client, kwargs: dict[str, Any], status: int, error: str
) -> None:
    got, headers, body = acme("POST", "/v1/tasks", **kwargs)
    assert (got, body["error"]) == (status, error), body
    assert body["message"] and headers["X-Request-Id"]
    assert deps.ingest_queue.receive(10) == []


def test_routing_errors_and_health_over_http(acme: Client, server: ApiServer) -> None:
    assert acme("GET", "/v1/health", key=None)[:1] == (200,)
    status, headers, body = acme("DELETE", "/v1/tasks")
    assert (status, body["error"], headers["Allow"]) == (405, "MethodNotAllowed", "GET, POST")
    assert acme("GET", "/v2/tasks")[0] == 404
    status, _, spec = acme("GET", "/v1/openapi.json", key=None)
    assert status == 200 and "/v1/tasks" in spec["paths"]
    # A chunked body (no Content-Length) is refused with 411, not hung on.
    conn = http.client.HTTPConnection(server.host, server.port, timeout=TIMEOUT)
    try:
        # The server may answer and close before the client has sent the whole body.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.request(
                "POST",
                "/v1/tasks",
                body=iter([b'{"filename": "a.txt"}']),
                headers={"Content-Type": "application/json", "x-api-key": str(acme.key)},
                encode_chunked=True,
            )
        response = conn.getresponse()
        assert response.status == 411
        assert json.loads(response.read())["error"] == "LengthRequired"
    finally:
        conn.close()
