"""Reading and acting on tasks over in-memory fakes; every query is scoped to the caller's tenant."""

from __future__ import annotations

import pytest

from sluiceway.api.models import EventOut, SearchHit
from sluiceway.ingest import Submission
from tests.unit.test_api import KEY_B, NOW, Fixture, add_progress, api

__all__ = ["api"]


def test_a_task_with_steps_fields_and_cost(api: Fixture) -> None:
    task = api.data.add_task(
        "t1",
        "acme",
        "RUNNING",
        document_type="invoice",
        result={"fields": {"total": "1240.00"}, "cost_usd": 0.001},
        started_at=NOW,
        executions=1,
    )
    add_progress(api.data, task)
    api.data.costs["t1"] = 0.00123456789
    status, _, body = api.call("GET", "/v1/tasks/t1")
    assert status == 200
    assert body["task_id"] == "t1" and body["status"] == "RUNNING"
    assert body["filename"] == "a.txt" and body["document_type"] == "invoice"
    assert body["fields"] == {"total": "1240.00"}
    assert body["cost_usd"] == pytest.approx(0.00123457)
    assert [(s["name"], s["status"], s["items_done"]) for s in body["steps"]] == [
        ("Extract", "SUCCEEDED", 0),
        ("Embed", "RUNNING", 2),
    ]
    assert body["links"] == {"self": "/v1/tasks/t1", "events": "/v1/tasks/t1/events"}


def test_another_tenants_task_is_404_everywhere(api: Fixture) -> None:
    api.data.add_task("t1", "acme", "FAILED")
    api.data.add_submission(Submission("q1", "acme", "document", "documents", "k", "a.txt"))
    for task_id in ("t1", "q1"):
        for method, path in [
            ("GET", f"/v1/tasks/{task_id}"),
            ("GET", f"/v1/tasks/{task_id}/events"),
            ("POST", f"/v1/tasks/{task_id}/retry"),
            ("POST", f"/v1/tasks/{task_id}/cancel"),
        ]:
            status, _, body = api.call(method, path, key=KEY_B)
            assert (status, body["error"]) == (404, "TaskNotFound"), (method, path)
            assert "own tenant" in body["message"]
    assert api.call("GET", "/v1/tasks", key=KEY_B)[2] == {"tasks": []}
    assert api.data.tasks["t1"].status == "FAILED"


def test_an_unknown_or_odd_task_id_is_404(api: Fixture) -> None:
    assert api.call("GET", "/v1/tasks/nope")[0] == 404
    status, _, body = api.call("GET", "/v1/tasks/a%20b")
    assert (status, body["error"]) == (404, "TaskNotFound")


def test_listing_filters_and_limits(api: Fixture) -> None:
    api.data.add_task("t1", "acme", "FAILED")
    api.data.add_task("t2", "acme", "SUCCEEDED")
    api.data.add_task("t3", "globex", "FAILED")
    api.data.add_submission(Submission("q1", "acme", "document", "documents", "k", "b.txt"))
    _, _, body = api.call("GET", "/v1/tasks")
    assert sorted(t["task_id"] for t in body["tasks"]) == ["q1", "t1", "t2"]
    _, _, body = api.call("GET", "/v1/tasks?status=FAILED&limit=5")
    assert [t["task_id"] for t in body["tasks"]] == ["t1"]
    _, _, body = api.call("GET", "/v1/tasks?status=QUEUED")
    assert [(t["task_id"], t["status"]) for t in body["tasks"]] == [("q1", "QUEUED")]
    _, _, body = api.call("GET", "/v1/tasks?limit=1")
    assert len(body["tasks"]) == 1


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("status=DONE", "status"),
        ("colour=blue", "colour"),
    ],
)
def test_invalid_query_parameters_are_400(api: Fixture, query: str, loc: str) -> None:
    status, _, body = api.call("GET", f"/v1/tasks?{query}")
    assert (status, body["error"]) == (400, "InvalidRequest")
    assert [d["loc"] for d in body["details"]] == [loc]


def test_events_after_a_cursor(api: Fixture) -> None:
    api.data.add_task("t1", "acme", "RUNNING")
    api.data.events["t1"] = [
        EventOut(id=i, kind="step.started", step="Extract", item="", at=NOW, detail={})
        for i in (3, 7, 9)
    ]
    _, _, body = api.call("GET", "/v1/tasks/t1/events")
    assert [e["id"] for e in body["events"]] == [3, 7, 9]
    assert body["next_after"] == 9 and body["status"] == "RUNNING"
    _, _, body = api.call("GET", "/v1/tasks/t1/events?after=7")
    assert [e["id"] for e in body["events"]] == [9]
    _, _, body = api.call("GET", "/v1/tasks/t1/events?after=9")
    assert body["events"] == [] and body["next_after"] == 9
    assert api.call("GET", "/v1/tasks/t1/events?after=-1")[0] == 400


def test_a_queued_task_has_no_events_yet_and_cannot_be_retried_or_cancelled(api: Fixture) -> None:
    api.data.add_submission(Submission("q1", "acme", "document", "documents", "k", "a.txt"))
    _, _, body = api.call("GET", "/v1/tasks/q1/events?after=4")
    assert (body["status"], body["events"], body["next_after"]) == ("QUEUED", [], 4)
    for action in ("retry", "cancel"):
        status, _, body = api.call("POST", f"/v1/tasks/q1/{action}")
        assert (status, body["error"]) == (409, "TaskNotStarted")


def test_retry_a_failed_task(api: Fixture) -> None:
    api.data.add_task("t1", "acme", "FAILED", error="CorruptDocument")
    status, headers, body = api.call("POST", "/v1/tasks/t1/retry")
    assert (status, body["status"]) == (202, "PENDING")
    assert headers["Location"] == "/v1/tasks/t1"
    assert api.data.tasks["t1"].status == "PENDING"
    status, _, body = api.call("POST", "/v1/tasks/t1/retry")
    assert (status, body["error"]) == (409, "TaskNotRetryable")
    assert "PENDING" in body["message"]


def test_redrive_a_failed_task(api: Fixture) -> None:
    api.data.add_task("t1", "acme", "FAILED", error="States.Timeout")
    status, headers, body = api.call("POST", "/v1/tasks/t1/redrive")
    assert (status, body["status"], headers["Location"]) == (202, "PENDING", "/v1/tasks/t1")
    assert api.data.redriven == ["t1"]
    status, _, body = api.call("POST", "/v1/tasks/t1/redrive")
    assert (status, body["error"]) == (409, "TaskNotRedrivable")


def test_cancel_a_running_task_once(api: Fixture) -> None:
    api.data.add_task("t1", "acme", "RUNNING")
    status, _, body = api.call("POST", "/v1/tasks/t1/cancel")
    assert (status, body["status"]) == (200, "CANCELLED")
    status, _, body = api.call("POST", "/v1/tasks/t1/cancel")
    assert (status, body["error"]) == (409, "TaskNotCancellable")


def test_actions_ignore_a_body(api: Fixture) -> None:
    api.data.add_task("t1", "acme", "FAILED")
    status, _, _ = api.call("POST", "/v1/tasks/t1/retry", b"whatever", content_type="text/plain")
    assert status == 202


def test_search_is_scoped_to_the_tenant(api: Fixture) -> None:
    hit = SearchHit(
        task_id="t1", chunk=0, filename="a.txt", document_type=None, score=0.9, text="x"
    )
    api.data.hits = [("acme", hit), ("globex", hit.model_copy(update={"task_id": "t9"}))]
    _, _, body = api.call("GET", "/v1/search?q=total+amount&limit=3")
    assert body["query"] == "total amount"
    assert [h["task_id"] for h in body["results"]] == ["t1"]
    status, _, body = api.call("GET", "/v1/search")
    assert (status, body["details"][0]["loc"]) == (400, "q")
    assert api.call("GET", "/v1/search?q=")[0] == 400
    assert api.call("GET", "/v1/search?q=x&limit=51")[0] == 400
