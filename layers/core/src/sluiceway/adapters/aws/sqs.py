"""The ``Queue`` port over Amazon SQS: the same semantics the Postgres queue emulates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sluiceway.ports import OutgoingMessage, QueueMessage, QueueStats

if TYPE_CHECKING:
    from collections.abc import Sequence

MAX_BATCH = 10
MAX_WAIT_SECONDS = 20  # SQS long polling


def _time(ms: str | None) -> datetime:
    return datetime.fromtimestamp(int(ms or 0) / 1000, tz=UTC)


class SqsQueue:
    def __init__(self, client: Any, url: str) -> None:
        self.client = client
        self.url = url
        self.name = url.rstrip("/").rsplit("/", 1)[-1]
        self.fifo = self.name.endswith(".fifo")

    def _entry(self, message: OutgoingMessage) -> dict[str, Any]:
        entry: dict[str, Any] = {"MessageBody": message.body}
        if message.delay_seconds:
            entry["DelaySeconds"] = int(message.delay_seconds)
        if message.group_id:
            entry["MessageGroupId"] = message.group_id
        if message.deduplication_id:
            entry["MessageDeduplicationId"] = message.deduplication_id
        if message.attributes:
            entry["MessageAttributes"] = {
                k: {"DataType": "String", "StringValue": v} for k, v in message.attributes.items()
            }
        return entry

    def send(self, message: OutgoingMessage) -> str:
        response = self.client.send_message(QueueUrl=self.url, **self._entry(message))
        return str(response["MessageId"])

    def send_batch(self, messages: Sequence[OutgoingMessage]) -> list[str]:
        if not 1 <= len(messages) <= MAX_BATCH:
            raise ValueError(f"send_batch takes 1 to {MAX_BATCH} messages, got {len(messages)}")
        entries = [{"Id": str(i), **self._entry(m)} for i, m in enumerate(messages)]
        response = self.client.send_message_batch(QueueUrl=self.url, Entries=entries)
        if response.get("Failed"):
            failed = ", ".join(
                f"{f['Id']}: {f.get('Message', f.get('Code'))}" for f in response["Failed"]
            )
            raise RuntimeError(f"{self.name}: some messages were not sent ({failed})")
        by_id = {s["Id"]: s["MessageId"] for s in response["Successful"]}
        return [str(by_id[str(i)]) for i in range(len(messages))]

    def receive(
        self,
        max_messages: int = 1,
        *,
        visibility_timeout: float | None = None,
        wait_seconds: float = 0,
    ) -> list[QueueMessage]:
        kwargs: dict[str, Any] = {
            "QueueUrl": self.url,
            "MaxNumberOfMessages": max_messages,
            "WaitTimeSeconds": min(int(wait_seconds), MAX_WAIT_SECONDS),
            "AttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
        }
        if visibility_timeout is not None:
            kwargs["VisibilityTimeout"] = int(visibility_timeout)
        response = self.client.receive_message(**kwargs)
        return [
            QueueMessage(
                message_id=m["MessageId"],
                receipt_handle=m["ReceiptHandle"],
                body=m["Body"],
                receive_count=int(m["Attributes"].get("ApproximateReceiveCount", 1)),
                sent_at=_time(m["Attributes"].get("SentTimestamp")),
                first_received_at=_time(m["Attributes"].get("ApproximateFirstReceiveTimestamp")),
                group_id=m["Attributes"].get("MessageGroupId"),
                attributes={
                    k: v.get("StringValue", "") for k, v in m.get("MessageAttributes", {}).items()
                },
            )
            for m in response.get("Messages", [])
        ]

    def delete(self, receipt_handle: str) -> bool:
        self.client.delete_message(QueueUrl=self.url, ReceiptHandle=receipt_handle)
        return True

    def delete_batch(self, receipt_handles: Sequence[str]) -> int:
        deleted = 0
        handles = list(receipt_handles)
        for start in range(0, len(handles), MAX_BATCH):
            chunk = handles[start : start + MAX_BATCH]
            response = self.client.delete_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(chunk)],
            )
            deleted += len(response.get("Successful", []))
        return deleted

    def change_visibility(self, receipt_handle: str, timeout: float) -> bool:
        self.client.change_message_visibility(
            QueueUrl=self.url, ReceiptHandle=receipt_handle, VisibilityTimeout=int(timeout)
        )
        return True

    def _attributes(self, url: str) -> dict[str, str]:
        response = self.client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
        return dict(response["Attributes"])

    def stats(self) -> QueueStats:
        attrs = self._attributes(self.url)
        dlq_name = None
        dead = 0
        policy = attrs.get("RedrivePolicy")
        if policy:
            dlq_arn = json.loads(policy)["deadLetterTargetArn"]
            dlq_name = dlq_arn.rsplit(":", 1)[-1]
            dlq_url = self.client.get_queue_url(QueueName=dlq_name)["QueueUrl"]
            dlq = self._attributes(dlq_url)
            dead = int(dlq.get("ApproximateNumberOfMessages", 0)) + int(
                dlq.get("ApproximateNumberOfMessagesNotVisible", 0)
            )
        return QueueStats(
            name=self.name,
            visible=int(attrs.get("ApproximateNumberOfMessages", 0)),
            in_flight=int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0)),
            delayed=int(attrs.get("ApproximateNumberOfMessagesDelayed", 0)),
            dead_letter_queue=dlq_name,
            dead_letters=dead,
        )
