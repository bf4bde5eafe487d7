"""A queue consumer that behaves like Lambda's SQS event source mapping: it receives batches,
invokes a handler with an SQS-shaped event, keeps at most ``max_concurrency`` invocations in
flight, and deletes only what succeeded (partial batch responses, ``ReportBatchItemFailures``)."""

from __future__ import annotations

import hashlib
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from sluiceway.asl import StatesError
from sluiceway.runtime.local.functions import call_handler

if TYPE_CHECKING:
    from collections.abc import Callable

    from sluiceway.ports import Queue, QueueMessage

log = logging.getLogger("sluiceway.consumer")

REGION = "local"
ACCOUNT = "000000000000"


def sqs_event(queue_name: str, messages: list[QueueMessage]) -> dict[str, Any]:
    """The event Lambda receives from an SQS event source mapping."""
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue_name}"
    records = []
    for m in messages:
        attributes = {
            "ApproximateReceiveCount": str(m.receive_count),
            "SentTimestamp": str(int(m.sent_at.timestamp() * 1000)),
            "SenderId": ACCOUNT,
            "ApproximateFirstReceiveTimestamp": str(
                int((m.first_received_at or m.sent_at).timestamp() * 1000)
            ),
        }
        if m.group_id:
            attributes["MessageGroupId"] = m.group_id
        records.append(
            {
                "messageId": m.message_id,
                "receiptHandle": m.receipt_handle,
                "body": m.body,
                "attributes": attributes,
                "messageAttributes": {
                    k: {"stringValue": v, "dataType": "String"} for k, v in m.attributes.items()
                },
                "md5OfBody": hashlib.md5(m.body.encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


def failed_ids(response: Any, batch: list[QueueMessage]) -> set[str] | None:
    """The message ids a partial batch response reports as failed; ``None`` means the whole batch
    failed (an invalid response, as Lambda treats it)."""
    if response is None:
        return set()
    if not isinstance(response, dict):
        return set()
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    ids = {m.message_id for m in batch}
    found = set()
    for failure in failures if isinstance(failures, list) else [None]:
        ident = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(ident, str) or ident not in ids:
            return None
        found.add(ident)
    return found


class QueueConsumer:
    """Poll ``queue`` and feed ``handler`` (a Lambda handler) batches of up to ``batch_size``."""

    def __init__(
        self,
        queue: Queue,
        handler: Callable[[Any, Any], Any],
        *,
        function_name: str,
        batch_size: int = 10,
        max_concurrency: int = 2,
        wait_seconds: float = 1.0,
    ) -> None:
        if not 1 <= batch_size <= 10:
            raise ValueError("batch_size must be 1 to 10")
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.queue = queue
        self.handler = handler
        self.function_name = function_name
        self.batch_size = batch_size
        self.max_concurrency = max_concurrency
        self.wait_seconds = wait_seconds
        self._slots = threading.Semaphore(max_concurrency)
        self.processed = 0
        self.failed = 0

    def process(self, batch: list[QueueMessage]) -> None:
        """One invocation: delete what succeeded, leave failures to come back after their
        visibility timeout (and to the dead-letter queue after maxReceiveCount)."""
        try:
            response = call_handler(
                self.handler, sqs_event(self.queue.name, batch), self.function_name, None
            )
            failed = failed_ids(response, batch)
        except StatesError as exc:
            log.warning("%s: batch of %d failed: %s", self.function_name, len(batch), exc.error)
            failed = None
        if failed is None:
            failed = {m.message_id for m in batch}
        self.queue.delete_batch([m.receipt_handle for m in batch if m.message_id not in failed])
        self.processed += len(batch) - len(failed)
        self.failed += len(failed)

    def _run_one(self, batch: list[QueueMessage]) -> None:
        try:
            self.process(batch)
        except Exception:
            log.exception("%s: could not process a batch", self.function_name)
        finally:
            self._slots.release()

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set: wait for a free slot, receive a batch, hand it to a thread."""
        with ThreadPoolExecutor(
            self.max_concurrency, thread_name_prefix=self.function_name
        ) as pool:
            pending: set[Future[None]] = set()
            while not stop.is_set():
                if not self._slots.acquire(timeout=0.2):
                    continue
                try:
                    batch = self.queue.receive(self.batch_size, wait_seconds=self.wait_seconds)
                except Exception:
                    self._slots.release()
                    log.exception("%s: receive failed", self.function_name)
                    stop.wait(1.0)
                    continue
                if not batch:
                    self._slots.release()
                    continue
                future = pool.submit(self._run_one, batch)
                pending.add(future)
                future.add_done_callback(pending.discard)
