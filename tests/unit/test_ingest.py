"""Ingest messages: S3 notifications (URL-encoded keys, tenants, duplicates) and submissions."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from sluiceway import ingest
from sluiceway.errors import InvalidEvent
from sluiceway.runtime.local.inbox import s3_notification


@dataclass
class RecordingOrchestrator:
    """An in-memory Orchestrator: remembers started executions; a second start is a no-op."""

    started: dict[str, dict[str, Any]] = field(default_factory=dict)

    def start_execution(
        self,
        pipeline: str,
        task_id: str,
        input: dict[str, Any],
        tenant_id: str,
        source_name: str | None,
    ) -> bool:
        if task_id in self.started:
            return False
        self.started[task_id] = {"pipeline": pipeline, "input": input, "tenant": tenant_id}
        return True

    def retry(self, pipeline: str, task_id: str) -> bool:
        return task_id in self.started

    def redrive(self, pipeline: str, task_id: str) -> bool:
        return task_id in self.started


def notification(key: str, sequencer: str = "0055AED6DCD90281E5") -> str:
    return json.dumps(s3_notification("documents", key, 123, "abc", sequencer))


def test_an_s3_notification_starts_one_execution_even_when_delivered_twice() -> None:
    orchestrator = RecordingOrchestrator()
    body = notification("incoming/acme/a1/Q1 report (final).pdf")
    assert (
        json.loads(body)["Records"][0]["s3"]["object"]["key"]
        == "incoming/acme/a1/Q1+report+%28final%29.pdf"
    )
    assert (
        ingest.process_message(body, orchestrator, pipeline="document", default_tenant="default")
        == 1
    )
    assert (
        ingest.process_message(body, orchestrator, pipeline="document", default_tenant="default")
        == 0
    )
    [started] = orchestrator.started.values()
    assert started["tenant"] == "acme"
    assert started["input"]["key"] == "incoming/acme/a1/Q1 report (final).pdf"
    assert started["input"]["filename"] == "Q1 report (final).pdf"


def test_the_same_key_uploaded_again_is_a_new_task() -> None:
    orchestrator = RecordingOrchestrator()
    ingest.process_message(
        notification("incoming/x.pdf", "01"), orchestrator, pipeline="p", default_tenant="t"
    )
    ingest.process_message(
        notification("incoming/x.pdf", "02"), orchestrator, pipeline="p", default_tenant="t"
    )
    assert len(orchestrator.started) == 2
    assert {s["tenant"] for s in orchestrator.started.values()} == {"t"}


def test_submissions_and_test_events() -> None:
    orchestrator = RecordingOrchestrator()
    submission = ingest.Submission(
        "t-1", "acme", "document", "documents", "incoming/acme/t-1/a.txt", "a.txt"
    )
    ingest.process_message(
        ingest.submission_message(submission), orchestrator, pipeline="x", default_tenant="y"
    )
    assert orchestrator.started["t-1"]["input"] == submission.execution_input()
    assert ingest.parse_message('{"Event": "s3:TestEvent"}', pipeline="p", default_tenant="t") == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "not JSON"),
        ("[1]", "JSON object"),
        ('{"Records": 3}', "must be a list"),
        (
            '{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put"}]}',
            "s3.bucket.name",
        ),
        ('{"hello": 1}', "neither"),
        ('{"submission": {"task_id": "x"}}', "invalid submission"),
    ],
)
def test_malformed_messages_raise_invalid_event(body: str, message: str) -> None:
    with pytest.raises(InvalidEvent, match=message):
        ingest.parse_message(body, pipeline="p", default_tenant="t")


def test_removed_objects_are_ignored() -> None:
    body = json.loads(notification("incoming/x.pdf"))
    body["Records"][0]["eventName"] = "ObjectRemoved:Delete"
    assert ingest.parse_message(json.dumps(body), pipeline="p", default_tenant="t") == []
