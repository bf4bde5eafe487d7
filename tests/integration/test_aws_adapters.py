"""The AWS adapters against moto (in-process AWS API emulation; no network)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

from sluiceway.adapters.aws.s3 import S3ObjectStore  # noqa: E402
from sluiceway.adapters.aws.sfn import (  # noqa: E402
    StepFunctionsOrchestrator,
    UnknownPipeline,
    execution_arn,
    task_of_execution,
)
from sluiceway.adapters.aws.sqs import SqsQueue  # noqa: E402
from sluiceway.ports import OutgoingMessage  # noqa: E402

pytestmark = pytest.mark.integration
REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with moto.mock_aws():
        yield


def test_s3_object_store(aws: None) -> None:
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket="docs")
    store = S3ObjectStore(client, "docs")
    store.put("incoming/acme/1/a b.pdf", b"%PDF-1.7")
    assert store.get("incoming/acme/1/a b.pdf") == b"%PDF-1.7"
    assert store.exists("incoming/acme/1/a b.pdf")
    assert not store.exists("nope")
    with pytest.raises(KeyError, match="nope"):
        store.get("nope")


def make_queue(
    client: Any, name: str, *, max_receive_count: int | None = None, **attrs: str
) -> SqsQueue:
    if max_receive_count is not None:
        dlq_url = client.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        attrs["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}
        )
    url = client.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    return SqsQueue(client, url)


def test_sqs_queue_send_receive_delete_and_stats(aws: None) -> None:
    client = boto3.client("sqs", region_name=REGION)
    queue = make_queue(client, "ingest", max_receive_count=2)
    ids = queue.send_batch(
        [OutgoingMessage(f"m{i}", attributes={"tenant": "acme"}) for i in range(3)]
    )
    assert len(set(ids)) == 3
    messages = queue.receive(10, visibility_timeout=30)
    assert sorted(m.body for m in messages) == ["m0", "m1", "m2"]
    assert all(m.receive_count == 1 and m.attributes == {"tenant": "acme"} for m in messages)
    stats = queue.stats()
    assert (stats.in_flight, stats.dead_letter_queue) == (3, "ingest-dlq")
    assert queue.delete_batch([m.receipt_handle for m in messages[:2]]) == 2
    assert queue.change_visibility(messages[2].receipt_handle, 0)
    [again] = queue.receive(1)
    assert again.body == messages[2].body and again.receive_count == 2
    queue.change_visibility(again.receipt_handle, 0)
    assert queue.receive(1) == []  # received maxReceiveCount times: moved to the DLQ
    assert queue.stats().dead_letters == 1


def test_sqs_fifo_groups_and_deduplication(aws: None) -> None:
    client = boto3.client("sqs", region_name=REGION)
    queue = make_queue(client, "events.fifo", FifoQueue="true")
    first = queue.send(OutgoingMessage("a", group_id="g", deduplication_id="d1"))
    queue.send(OutgoingMessage("a", group_id="g", deduplication_id="d1"))
    queue.send(OutgoingMessage("b", group_id="g", deduplication_id="d2"))
    messages = queue.receive(10)
    assert [m.body for m in messages] == ["a", "b"]
    assert messages[0].message_id == first and messages[0].group_id == "g"


def state_machine(client: Any) -> str:
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    return str(
        client.create_state_machine(
            name="document",
            definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/sluiceway-sfn",
        )["stateMachineArn"]
    )


def test_step_functions_starts_one_execution_per_task(aws: None) -> None:
    client = boto3.client("stepfunctions", region_name=REGION)
    arn = state_machine(client)
    orchestrator = StepFunctionsOrchestrator(client, {"document": arn})
    task_input = {"task_id": "t-1", "bucket": "docs", "key": "incoming/x.pdf"}
    assert orchestrator.start_execution("document", "t-1", task_input, "acme", "x.pdf")
    assert not orchestrator.start_execution(
        "document", "t-1", {**task_input, "again": 1}, "acme", "x.pdf"
    )
    described = client.describe_execution(executionArn=execution_arn(arn, "t-1"))
    assert described["name"] == "t-1"
    assert json.loads(described["input"]) == task_input
    assert orchestrator.describe("document", "t-1")["status"] in ("RUNNING", "SUCCEEDED")
    with pytest.raises(UnknownPipeline, match="document"):
        orchestrator.start_execution("nope", "t-2", {}, "acme", None)


def test_a_retry_starts_a_new_execution_of_the_task_with_its_input(aws: None) -> None:
    client = boto3.client("stepfunctions", region_name=REGION)
    arn = state_machine(client)
    orchestrator = StepFunctionsOrchestrator(client, {"document": arn})
    task_input = {"task_id": "t-9", "bucket": "docs", "key": "incoming/y.pdf"}
    assert not orchestrator.retry("document", "t-9")  # never started
    orchestrator.start_execution("document", "t-9", task_input, "acme", "y.pdf")

    assert orchestrator.retry("document", "t-9")

    names = [e["name"] for e in client.list_executions(stateMachineArn=arn)["executions"]]
    retried = [n for n in names if n != "t-9"]
    assert len(retried) == 1 and task_of_execution(retried[0]) == "t-9"
    described = client.describe_execution(executionArn=execution_arn(arn, retried[0]))
    assert json.loads(described["input"]) == task_input


def test_task_token_callbacks_reach_step_functions(aws: None) -> None:
    """botocore validates every parameter: a wrong name or type would raise here."""
    client = boto3.client("stepfunctions", region_name=REGION)
    orchestrator = StepFunctionsOrchestrator(client, {"document": state_machine(client)})
    orchestrator.send_task_success("token-1", {"approved": True})
    orchestrator.send_task_failure("token-2", "Rejected", "x" * 40_000)  # cause is truncated
    orchestrator.send_task_heartbeat("token-3")
