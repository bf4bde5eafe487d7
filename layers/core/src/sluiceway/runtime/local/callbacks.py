"""Service integrations of the embedded runtime's interpreter that AWS provides beyond Lambda:

- ``arn:aws:states:::sqs:sendMessage``: send a message, continue with SQS's response;
- ``arn:aws:states:::sqs:sendMessage.waitForTaskToken``: send a message carrying
  ``$$.Task.Token`` and wait until a consumer calls SendTaskSuccess/SendTaskFailure with it;
- ``arn:aws:states:::lambda:invoke.waitForTaskToken``: invoke a function (its ``Payload``
  carries the token; its result is not the state's) and wait for the callback the same way.

Queues are the embedded runtime's Postgres queues, named by the last segment of ``QueueUrl``. The
token is derived from the execution, the state, its retry count and the Map item, so a task that
is replayed after a crash waits for the same callback instead of sending a second message.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sluiceway.adapters.postgres.queue import QueueAdmin, QueueNotFound
from sluiceway.asl import Integration, StatesError
from sluiceway.asl.integrations import invoke_lambda
from sluiceway.ports import OutgoingMessage

if TYPE_CHECKING:
    from sluiceway.adapters.postgres.tokens import PostgresTaskTokens
    from sluiceway.asl import LambdaInvoker, TaskRequest

SEND = "arn:aws:states:::sqs:sendMessage"
SEND_AND_WAIT = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
INVOKE_AND_WAIT = "arn:aws:states:::lambda:invoke.waitForTaskToken"
POLL_SECONDS = (0.05, 1.0)


def deterministic_token(context: Mapping[str, Any]) -> str:
    execution = context.get("Execution", {})
    state = context.get("State", {})
    identity = json.dumps(
        [
            execution.get("Id") or execution.get("Name"),
            state.get("Name"),
            state.get("RetryCount", 0),
            context.get("Map", {}).get("Item", {}).get("Index"),
        ]
    )
    return hashlib.sha256(identity.encode()).hexdigest()


class SqsSendMessage(Integration):
    resource_type = "sqs"
    resource_name = "sendMessage"

    def __init__(self, admin: QueueAdmin) -> None:
        self.admin = admin

    def handles(self, resource: str) -> bool:
        return resource == SEND

    def _send(self, request: TaskRequest) -> dict[str, Any]:
        params = request.payload if isinstance(request.payload, dict) else {}
        url = params.get("QueueUrl")
        if not isinstance(url, str) or "MessageBody" not in params:
            raise StatesError("States.Runtime", "sqs:sendMessage needs QueueUrl and MessageBody")
        body = params["MessageBody"]
        text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
        try:
            queue = self.admin.get(url.rstrip("/").rsplit("/", 1)[-1])
        except QueueNotFound as exc:
            raise StatesError("SQS.QueueDoesNotExistException", str(exc)) from None
        message_id = queue.send(
            OutgoingMessage(
                text,
                delay_seconds=float(params.get("DelaySeconds", 0)),
                group_id=params.get("MessageGroupId"),
                deduplication_id=params.get("MessageDeduplicationId"),
            )
        )
        return {
            "MD5OfMessageBody": hashlib.md5(text.encode()).hexdigest(),
            "MessageId": message_id,
            "SdkHttpMetadata": {"HttpStatusCode": 200},
            "SdkResponseMetadata": {"RequestId": message_id},
        }

    async def run(self, request: TaskRequest) -> Any:
        return await asyncio.to_thread(self._send, request)


class SqsSendMessageWaitForTaskToken(SqsSendMessage):
    resource_name = "sendMessage.waitForTaskToken"

    def __init__(self, admin: QueueAdmin, tokens: PostgresTaskTokens) -> None:
        super().__init__(admin)
        self.tokens = tokens

    def handles(self, resource: str) -> bool:
        return resource == SEND_AND_WAIT

    def task_token(self, _resource: str, context: Mapping[str, Any]) -> str | None:
        return deterministic_token(context)

    async def run(self, request: TaskRequest) -> Any:
        token, first = await _register(self.tokens, request)
        if first:
            await asyncio.to_thread(self._send, request)
        return await _callback(self.tokens, token, request)


class LambdaInvokeWaitForTaskToken(Integration):
    resource_type = "lambda"
    resource_name = "invoke.waitForTaskToken"

    def __init__(self, invoker: LambdaInvoker, tokens: PostgresTaskTokens) -> None:
        self.invoker = invoker
        self.tokens = tokens

    def handles(self, resource: str) -> bool:
        return resource == INVOKE_AND_WAIT

    def task_token(self, _resource: str, context: Mapping[str, Any]) -> str | None:
        return deterministic_token(context)

    async def run(self, request: TaskRequest) -> Any:
        token, first = await _register(self.tokens, request)
        if first:  # a function error fails the state; its result is not the state's
            await invoke_lambda(self.invoker, request)
        return await _callback(self.tokens, token, request)


async def _register(tokens: PostgresTaskTokens, request: TaskRequest) -> tuple[str, bool]:
    """The state's token, and whether this is its first registration (not a replay)."""
    token = str(request.context.context.get("Task", {}).get("Token", ""))
    execution = request.context.context.get("Execution", {}).get("Name", "")
    first = await asyncio.to_thread(tokens.register, token, execution, request.context.state_name)
    return token, first


async def _callback(tokens: PostgresTaskTokens, token: str, request: TaskRequest) -> Any:
    """Wait for SendTaskSuccess/SendTaskFailure (heartbeats reset HeartbeatSeconds)."""
    pause, last_beat = POLL_SECONDS[0], None
    while True:
        row = await asyncio.to_thread(tokens.get, token)
        if row is None:  # pragma: no cover - registered before
            raise StatesError("States.Runtime", "the task token disappeared")
        if row["status"] == "SUCCEEDED":
            return row["output"]
        if row["status"] == "FAILED":
            raise StatesError(row["error"] or "States.TaskFailed", row["cause"])
        if row["heartbeat_at"] is not None and row["heartbeat_at"] != last_beat:
            last_beat = row["heartbeat_at"]
            request.context.heartbeat()
        await asyncio.sleep(pause)
        pause = min(pause * 2, POLL_SECONDS[1])
