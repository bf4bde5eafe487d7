"""The ``Orchestrator`` port over AWS Step Functions: one execution per task, named after the
task id, so every task is visible step by step in the Step Functions console."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from sluiceway.adapters.postgres.store import PostgresStateStore


#: A retried task's executions: ``<task_id>--retry-<8 hex digits>``.
RETRY_MARK = "--retry-"


def task_of_execution(name: str) -> str:
    """The task an execution runs: its name, less the retry suffix."""
    return name.split(RETRY_MARK, 1)[0]


def execution_arn(state_machine_arn: str, name: str) -> str:
    """``arn:aws:states:R:A:stateMachine:SM`` + name -> ``arn:aws:states:R:A:execution:SM:name``."""
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"


class UnknownPipeline(LookupError):
    pass


class StepFunctionsOrchestrator:
    def __init__(
        self,
        client: Any,
        state_machine_arns: dict[str, str],
        store: PostgresStateStore | None = None,
    ) -> None:
        self.client = client
        self.arns = state_machine_arns
        self.store = store

    def _arn(self, pipeline: str) -> str:
        try:
            return self.arns[pipeline]
        except KeyError:
            raise UnknownPipeline(
                f"no state machine for pipeline {pipeline!r} (known: {sorted(self.arns)})"
            ) from None

    def start_execution(
        self,
        pipeline: str,
        task_id: str,
        input: dict[str, Any],
        tenant_id: str,
        source_name: str | None,
    ) -> bool:
        """Record the task (if a store is given) and start its execution; starting a task whose
        execution exists already is a no-op that returns False."""
        arn = self._arn(pipeline)
        if self.store is not None:
            self.store.create_task(task_id, tenant_id, pipeline, input, source_name, if_absent=True)
        try:
            self.client.start_execution(stateMachineArn=arn, name=task_id, input=json.dumps(input))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
                return False
            raise
        return True

    def describe(self, pipeline: str, task_id: str) -> dict[str, Any]:
        response = self.client.describe_execution(
            executionArn=execution_arn(self._arn(pipeline), task_id)
        )
        return {
            "status": response["status"],
            "output": json.loads(response["output"]) if response.get("output") else None,
            "error": response.get("error"),
            "cause": response.get("cause"),
        }

    def retry(self, pipeline: str, task_id: str) -> bool:
        """Run the task again in a new execution (``<task_id>--retry-<hex>``) with its first
        execution's input: finished steps come from their checkpoints. (RedriveExecution would
        only re-enter the unsuccessful states: a failure caught into a Fail state, as the
        pipelines record failures, would fail again.) The task row goes back to PENDING until
        the execution's status events move it on."""
        arn = self._arn(pipeline)
        try:
            first = self.client.describe_execution(executionArn=execution_arn(arn, task_id))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ExecutionDoesNotExist":
                return False
            raise
        name = f"{task_id}{RETRY_MARK}{uuid.uuid4().hex[:8]}"
        self.client.start_execution(stateMachineArn=arn, name=name, input=first["input"])
        if self.store is not None:
            self.store.requeue_task(task_id)
        return True

    def redrive(self, pipeline: str, task_id: str) -> bool:
        """RedriveExecution of the task's first execution: it goes on from its unsuccessful
        states; the task row goes back to PENDING until the status events move it on."""
        try:
            self.client.redrive_execution(executionArn=execution_arn(self._arn(pipeline), task_id))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in (
                "ExecutionNotRedrivable",
                "ExecutionDoesNotExist",
                "ExecutionLimitExceeded",
            ):
                return False
            raise
        if self.store is not None:
            self.store.redrive_task(task_id)
        return True

    def send_task_success(self, token: str, output: Any) -> None:
        self.client.send_task_success(taskToken=token, output=json.dumps(output))

    def send_task_failure(self, token: str, error: str, cause: str) -> None:
        self.client.send_task_failure(taskToken=token, error=error[:256], cause=cause[:32768])

    def send_task_heartbeat(self, token: str) -> None:
        self.client.send_task_heartbeat(taskToken=token)
