"""The HTTP API over in-memory fakes: routing, authentication, typed errors. The fakes here are
shared by the other ``test_api_*`` modules."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from sluiceway.api import Api
from sluiceway.api.auth import hash_key
from sluiceway.api.backend import Backend, QueuedSubmission
from sluiceway.api.models import EventOut, SearchHit, TaskSummary
from sluiceway.domain.tasks import StepProgress, Task
from sluiceway.errors import StoreUnavailable
from sluiceway.ingest import Submission
from sluiceway.ports import OutgoingMessage, QueueMessage, QueueStats
from sluiceway.runtime.local.http import proxy_event

KEY_A, KEY_B = "slw_key-of-acme", "slw_key-of-globex"
NOW = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)


class MemoryObjects:
    bucket = "documents"

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def get(self, key: str) -> bytes:
        return self.objects[key]

    def put(self, key: str, data: bytes) -> None:
        self.objects[key] = data

    def exists(self, key: str) -> bool:
        return key in self.objects


@dataclass
class MemoryQueue:
    name: str = "ingest"
    sent: list[OutgoingMessage] = field(default_factory=list)
    fail: bool = False

    def send(self, message: OutgoingMessage) -> str:
        if self.fail:
            raise RuntimeError("the queue is down")
        self.sent.append(message)
        return str(len(self.sent))

    def send_batch(self, messages: Sequence[OutgoingMessage]) -> list[str]:
        return [self.send(m) for m in messages]

    def receive(
        self,
        max_messages: int = 1,
        *,
        visibility_timeout: float | None = None,
        wait_seconds: float = 0,
    ) -> list[QueueMessage]:
        return []

    def delete(self, receipt_handle: str) -> bool:
        return False

    def delete_batch(self, receipt_handles: Sequence[str]) -> int:
        return 0

    def change_visibility(self, receipt_handle: str, timeout: float) -> bool:
        return False

    def stats(self) -> QueueStats:
        return QueueStats(self.name, len(self.sent), 0, 0)


@dataclass
class MemoryData:
    """Implements ``ApiData`` in memory, tenant-scoped like the Postgres queries."""

    keys: dict[str, str] = field(
        default_factory=lambda: {hash_key(KEY_A): "acme", hash_key(KEY_B): "globex"}
    )
    submissions: dict[str, QueuedSubmission] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    events: dict[str, list[EventOut]] = field(default_factory=dict)
    costs: dict[str, float] = field(default_factory=dict)
    hits: list[tuple[str, SearchHit]] = field(default_factory=list)
    redriven: list[str] = field(default_factory=list)
    down: bool = False

    def ping(self) -> None:
        if self.down:
            raise StoreUnavailable("no database")

    def tenant_for_key(self, key_hash: str) -> str | None:
        self.ping()
        return self.keys.get(key_hash)

    def add_submission(self, submission: Submission) -> bool:
        if submission.task_id in self.submissions:
            return False
        self.submissions[submission.task_id] = QueuedSubmission(submission, NOW)
        return True

    def remove_submission(self, task_id: str) -> None:
        self.submissions.pop(task_id, None)

    def get_submission(self, tenant_id: str, task_id: str) -> QueuedSubmission | None:
        found = self.submissions.get(task_id)
        if found is None or found.submission.tenant_id != tenant_id or task_id in self.tasks:
            return None
        return found

    def get_task(self, tenant_id: str, task_id: str) -> Task | None:
        task = self.tasks.get(task_id)
        return task if task is not None and task.tenant_id == tenant_id else None

    def task_cost(self, task_id: str) -> float:
        return self.costs.get(task_id, 0.0)

    def list_tasks(self, tenant_id: str, status: str | None, limit: int) -> list[TaskSummary]:
        found = [
            TaskSummary(
                task_id=t.id,
                status=t.status,
                pipeline=t.pipeline,
                filename=t.input.get("filename"),
                created_at=t.created_at,
            )
            for t in self.tasks.values()
            if t.tenant_id == tenant_id and status in (None, t.status)
        ]
        found += [
            TaskSummary(
                task_id=q.submission.task_id,
                status="QUEUED",
                pipeline=q.submission.pipeline,
                filename=q.submission.filename,
                created_at=q.created_at,
            )
            for q in self.submissions.values()
            if self.get_submission(tenant_id, q.submission.task_id) and status in (None, "QUEUED")
        ]
        return sorted(found, key=lambda t: t.created_at, reverse=True)[:limit]

    def list_events(self, task_id: str, after: int, limit: int) -> list[EventOut]:
        return [e for e in self.events.get(task_id, []) if e.id > after][:limit]

    def requeue_task(self, task_id: str) -> bool:
        task = self.tasks[task_id]
        if task.status not in ("FAILED", "CANCELLED"):
            return False
        task.status = "PENDING"
        return True

    def redrive_task(self, task_id: str) -> bool:
        self.redriven.append(task_id)
        return self.requeue_task(task_id)

    def cancel_task(self, task_id: str) -> bool:
        task = self.tasks[task_id]
        if task.status not in ("PENDING", "RUNNING"):
            return False
        task.status = "CANCELLED"
        return True

    def search(self, tenant_id: str, query: str, limit: int) -> list[SearchHit]:
        return [hit for tenant, hit in self.hits if tenant == tenant_id][:limit]

    # Helpers for tests ---------------------------------------------------------------------------

    def add_task(self, task_id: str, tenant_id: str, status: str, **extra: Any) -> Task:
        task = Task.model_validate(
            {
                "id": task_id,
                "tenant_id": tenant_id,
                "pipeline": "document",
                "status": status,
                "input": {
                    "bucket": "documents",
                    "key": f"incoming/{tenant_id}/{task_id}/a.txt",
                    "filename": "a.txt",
                },
                "created_at": NOW,
                **extra,
            }
        )
        self.tasks[task_id] = task
        return task


@dataclass
class Fixture:
    data: MemoryData
    objects: MemoryObjects
    queue: MemoryQueue
    api: Api
    backends_built: list[int]

    def call(
        self,
        method: str,
        target: str,
        body: Any = None,
        *,
        key: str | None = KEY_A,
        headers: Sequence[tuple[str, str]] = (),
        content_type: str | None = "application/json",
    ) -> tuple[int, dict[str, str], Any]:
        """Invoke the handler with a proxy event; returns (status, headers, parsed JSON body)."""
        all_headers = list(headers)
        if key is not None:
            all_headers.append(("x-api-key", key))
        raw = b""
        if body is not None:
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            if content_type:
                all_headers.append(("Content-Type", content_type))
        response = self.api(proxy_event(method, target, all_headers, raw), None)
        text = response["body"]
        return response["statusCode"], response["headers"], json.loads(text) if text else None


@pytest.fixture
def api() -> Fixture:
    data, objects, queue = MemoryData(), MemoryObjects(), MemoryQueue()
    built: list[int] = []

    def backend() -> Backend:
        built.append(1)
        return Backend(
            data=data,
            objects=objects,
            ingest_queue=lambda: queue,
            pipelines=lambda: frozenset({"document"}),
            max_document_bytes=1024 * 1024,
        )

    return Fixture(data, objects, queue, Api(backend), built)


def add_progress(data: MemoryData, task: Task) -> None:
    task.steps = [
        StepProgress(name="Extract", status="SUCCEEDED", started_at=NOW, finished_at=NOW),
        StepProgress(
            name="Embed", status="RUNNING", started_at=NOW, finished_at=None, items_done=2
        ),
    ]


# Tests -----------------------------------------------------------------------------------------


def test_health_needs_no_key(api: Fixture) -> None:
    status, headers, body = api.call("GET", "/v1/health", key=None)
    assert status == 200
    assert body["status"] == "ok" and body["version"]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Request-Id"]


def test_health_says_when_the_database_is_down(api: Fixture) -> None:
    api.data.down = True
    status, _, body = api.call("GET", "/v1/health", key=None)
    assert status == 503
    assert body["error"] == "ServiceUnavailable"


def test_routes_outside_the_table_are_404_and_wrong_methods_405(api: Fixture) -> None:
    status, _, body = api.call("GET", "/v1/nope")
    assert (status, body["error"]) == (404, "NotFound")
    assert "openapi.json" in body["message"]
    status, _, body = api.call("GET", "/tasks")
    assert (status, body["error"]) == (404, "NotFound")
    assert "/v1/" in body["message"]
    status, headers, body = api.call("DELETE", "/v1/tasks/abc")
    assert (status, body["error"]) == (405, "MethodNotAllowed")
    assert headers["Allow"] == "GET"
    status, headers, _ = api.call("PUT", "/v1/tasks")
    assert status == 405
    assert headers["Allow"] == "GET, POST"


def test_a_trailing_slash_is_the_same_route(api: Fixture) -> None:
    assert api.call("GET", "/v1/tasks/")[0] == 200
    assert api.call("GET", "/v1/health/", key=None)[0] == 200


def test_a_missing_or_unknown_key_is_401(api: Fixture) -> None:
    status, _, body = api.call("GET", "/v1/tasks", key=None)
    assert (status, body["error"]) == (401, "Unauthorized")
    assert "x-api-key" in body["message"]
    status, _, body = api.call("GET", "/v1/tasks", key="slw_nope")
    assert (status, body["error"]) == (401, "Unauthorized")
    # Authentication comes before validation: nothing about the request leaks without a key.
    status, _, body = api.call("POST", "/v1/tasks", {"nope": 1}, key=None)
    assert status == 401


def test_a_key_header_is_case_insensitive(api: Fixture) -> None:
    status, _, _ = api.call("GET", "/v1/tasks", key=None, headers=[("X-API-Key", KEY_A)])
    assert status == 200


def test_unexpected_errors_are_500_with_the_request_id_and_logged(
    api: Fixture, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(tenant_id: str, status: str | None, limit: int) -> list[TaskSummary]:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(api.data, "list_tasks", boom)
    with caplog.at_level(logging.ERROR, logger="sluiceway.api"):
        status, headers, body = api.call("GET", "/v1/tasks")
    assert status == 500
    assert body["error"] == "InternalError"
    assert body["request_id"] == headers["X-Request-Id"]
    assert body["request_id"] in body["message"]
    assert "bug" not in body["message"]
    assert body["request_id"] in caplog.text and "ZeroDivisionError" in caplog.text


def test_an_unreachable_database_is_503(api: Fixture) -> None:
    api.data.down = True
    status, headers, body = api.call("GET", "/v1/tasks")
    assert (status, body["error"]) == (503, "ServiceUnavailable")
    assert headers["Retry-After"] == "5"


def test_an_event_that_is_not_a_proxy_event_is_500(api: Fixture) -> None:
    response = api.api({"Records": []}, None)
    assert response["statusCode"] == 500
    assert json.loads(response["body"])["error"] == "InternalError"


def test_the_request_id_comes_from_api_gateway(api: Fixture) -> None:
    event = proxy_event("GET", "/v1/health", [], b"", request_id="abc-123")
    response = api.api(event, None)
    assert response["headers"]["X-Request-Id"] == "abc-123"


def test_the_backend_is_not_built_for_the_spec(api: Fixture) -> None:
    status, _, body = api.call("GET", "/v1/openapi.json", key=None)
    assert status == 200
    assert body["openapi"].startswith("3.1")
    assert api.backends_built == []


def test_a_database_connection_failure_is_503(
    api: Fixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    def lost(key_hash: str) -> str | None:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(api.data, "tenant_for_key", lost)
    status, _, body = api.call("GET", "/v1/tasks")
    assert (status, body["error"]) == (503, "ServiceUnavailable")
    assert "closed" not in body["message"]


def test_keys_are_random_and_stored_as_sha256() -> None:
    from sluiceway.api.auth import check_tenant, hash_key, new_key

    first, second = new_key(), new_key()
    assert first != second and first.startswith("slw_") and len(first) > 40
    assert hash_key(first) == hash_key(first) != hash_key(second)
    assert len(hash_key(first)) == 64
    assert check_tenant("acme-eu_1") == "acme-eu_1"
    for bad in ("", "a/b", "..", "x" * 65, "a b"):
        with pytest.raises(ValueError, match="invalid tenant"):
            check_tenant(bad)
