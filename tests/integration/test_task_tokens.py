"""The `.waitForTaskToken` pattern on the embedded runtime: a state sends a message carrying its
task token to a queue, a bounded consumer processes it and calls SendTaskSuccess/Failure."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from sluiceway.adapters.postgres.queue import QueueAdmin
from sluiceway.asl import Executor, StateMachine
from sluiceway.project import function_config
from sluiceway.runtime.deps import Deps
from sluiceway.runtime.local.callbacks import deterministic_token
from sluiceway.runtime.local.consumer import QueueConsumer
from sluiceway.runtime.local.functions import FunctionRegistry
from sluiceway.runtime.local.worker import service_integrations
from tests.integration.helpers import local_invoker, run_worker

pytestmark = pytest.mark.integration

MACHINE: dict[str, Any] = {
    "StartAt": "Review",
    "States": {
        "Review": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": "https://sqs.local.amazonaws.com/000000000000/reviews",
                "MessageBody": {"n.$": "$.n", "token.$": "$$.Task.Token"},
            },
            "HeartbeatSeconds": 60,
            "ResultPath": "$.review",
            "End": True,
        }
    },
}
REVIEWER = """
import json
from sluiceway.runtime.deps import get_deps

def lambda_handler(event, context):
    callbacks = get_deps().callbacks
    for record in event["Records"]:
        body = json.loads(record["body"])
        if body["n"] % 2:
            callbacks.send_task_failure(body["token"], "Rejected", f"{body['n']} is odd")
        else:
            callbacks.send_task_success(body["token"], {"approved": True, "n": body["n"]})
    return {"batchItemFailures": []}
"""


@pytest.fixture
def project(deps: Deps, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "functions" / "reviewer").mkdir(parents=True)
    (root / "statemachines").mkdir()
    (root / "functions" / "reviewer" / "handler.py").write_text(REVIEWER)
    (root / "functions" / "reviewer" / "function.json").write_text(
        json.dumps(
            {"trigger": {"type": "sqs", "queue": "reviews", "max_concurrency": 2, "batch_size": 1}}
        )
    )
    (root / "statemachines" / "review.asl.json").write_text(json.dumps(MACHINE))
    deps.settings.project_dir = root
    return root


def consumer(deps: Deps, project: Path) -> QueueConsumer:
    queue = QueueAdmin(deps.db).ensure_for(function_config(project / "functions", "reviewer"))
    handler = FunctionRegistry(project / "functions").handler("reviewer")
    return QueueConsumer(
        queue, handler, function_name="reviewer", batch_size=1, max_concurrency=2, wait_seconds=0.2
    )


def test_states_wait_for_their_callbacks(deps: Deps, project: Path) -> None:
    for n in range(6):
        deps.store.create_task(f"review-{n}", "default", "review", {"n": n}, None)
    stop = threading.Event()
    reviewer = consumer(deps, project)
    thread = threading.Thread(target=reviewer.run, args=(stop,))
    thread.start()
    try:
        run_worker(deps)
    finally:
        stop.set()
        thread.join(timeout=30)
    for n in range(6):
        task = deps.store.get_task(f"review-{n}")
        assert task is not None
        if n % 2:
            assert (task.status, task.error, task.cause) == ("FAILED", "Rejected", f"{n} is odd")
        else:
            assert task.status == "SUCCEEDED", (task.error, task.cause)
    assert reviewer.processed == 6


def test_a_replayed_execution_waits_for_the_same_token_without_sending_again(
    deps: Deps, project: Path
) -> None:
    reviewer = consumer(deps, project)
    review = {**MACHINE["States"]["Review"], "HeartbeatSeconds": 1}
    machine = StateMachine.parse({**MACHINE, "States": {"Review": review}})
    integrations = service_integrations(deps, local_invoker(deps))

    def run() -> str:
        executor = Executor(machine, local_invoker(deps), integrations=integrations)
        return asyncio.run(executor.run({"n": 2}, execution_name="replayed")).status

    assert run() == "FAILED"  # nobody answered within the heartbeat: States.Timeout
    assert reviewer.queue.stats().visible == 1
    done = threading.Event()

    def answer_later() -> None:
        [message] = reviewer.queue.receive(1, wait_seconds=5)
        body = json.loads(message.body)
        deps.callbacks.send_task_success(body["token"], {"approved": True})
        reviewer.queue.delete(message.receipt_handle)
        done.set()

    thread = threading.Thread(target=answer_later)
    thread.start()
    assert run() == "SUCCEEDED"  # the replay found the token registered: no second message
    thread.join(timeout=10)
    assert done.is_set()
    assert reviewer.queue.stats().visible == 0


def test_tokens_are_deterministic_per_execution_state_retry_and_item() -> None:
    base = {"Execution": {"Id": "e1"}, "State": {"Name": "Review", "RetryCount": 0}}
    assert deterministic_token(base) == deterministic_token(dict(base))
    assert deterministic_token(base) != deterministic_token(
        {**base, "State": {"Name": "Review", "RetryCount": 1}}
    )
    assert deterministic_token(base) != deterministic_token({**base, "Map": {"Item": {"Index": 3}}})


APPROVER = """
from sluiceway.runtime.deps import get_deps

def lambda_handler(event, context):
    callbacks = get_deps().callbacks
    if event["amount"] > 100:
        callbacks.send_task_failure(event["token"], "TooExpensive", f"{event['amount']} > 100")
    elif event["amount"] < 0:
        raise ValueError("a negative amount")
    else:
        callbacks.send_task_success(event["token"], {"approved": event["amount"]})
    return "ignored: the callback decides"
"""
APPROVAL: dict[str, Any] = {
    "StartAt": "Approve",
    "States": {
        "Approve": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {
                "FunctionName": "${ApproveFunctionArn}",
                "Payload": {"amount.$": "$.amount", "token.$": "$$.Task.Token"},
            },
            "End": True,
        }
    },
}


def test_a_lambda_invoke_waits_for_the_callback_its_function_makes(
    deps: Deps, project: Path
) -> None:
    (project / "functions" / "approve").mkdir()
    (project / "functions" / "approve" / "handler.py").write_text(APPROVER)
    (project / "statemachines" / "approval.asl.json").write_text(json.dumps(APPROVAL))
    for name, amount in (("cheap", 5), ("dear", 500), ("odd", -1)):
        deps.store.create_task(name, "default", "approval", {"amount": amount}, None)
    run_worker(deps)
    outcome = {}
    for name in ("cheap", "dear", "odd"):
        task = deps.store.get_task(name)
        assert task is not None
        outcome[name] = (task.status, task.error)
    assert outcome == {
        "cheap": ("SUCCEEDED", None),
        "dear": ("FAILED", "TooExpensive"),
        "odd": ("FAILED", "ValueError"),
    }
    history = deps.store.execution_history("cheap")
    succeeded = next(r for r in history if r["type"] == "TaskSucceeded")
    assert json.loads(succeeded["details"]["output"]) == {"approved": 5}
    assert succeeded["details"]["resource"] == "invoke.waitForTaskToken"
