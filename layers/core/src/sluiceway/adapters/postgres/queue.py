"""Durable queues with SQS semantics on Postgres (``SELECT ... FOR UPDATE SKIP LOCKED``), with
LISTEN/NOTIFY so that idle consumers wait instead of polling."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.types.json import Jsonb

from sluiceway.adapters.postgres.db import Database, Row, q
from sluiceway.ports import OutgoingMessage, QueueMessage, QueueStats
from sluiceway.project import FunctionConfig, SqsTrigger

if TYPE_CHECKING:
    from collections.abc import Sequence

MAX_BATCH = 10  # SQS's limit for ReceiveMessage and SendMessageBatch
NOTIFY_CHANNEL = "sluiceway_queue"
# While waiting for a notification, look again this often anyway: delayed messages and expired
# visibility timeouts become receivable without anybody sending a NOTIFY.
RECHECK_SECONDS = 1.0


class QueueNotFound(LookupError):
    pass


@dataclass(frozen=True)
class QueueConfig:
    name: str
    fifo: bool = False
    visibility_timeout: float = 30.0
    delay_seconds: float = 0.0
    max_receive_count: int | None = None
    dead_letter_queue: str | None = None

    def __post_init__(self) -> None:
        if self.fifo != self.name.endswith(".fifo"):
            raise ValueError(
                f"queue {self.name!r}: FIFO queue names end with '.fifo', others do not"
            )
        if (self.max_receive_count is None) != (self.dead_letter_queue is None):
            raise ValueError(
                f"queue {self.name!r}: max_receive_count and dead_letter_queue go together"
            )
        if not 0 <= self.visibility_timeout <= 43_200:
            raise ValueError("visibility timeout must be between 0 and 43200 seconds (12 hours)")
        if not 0 <= self.delay_seconds <= 900:
            raise ValueError("delay must be between 0 and 900 seconds")


def _message(row: Row) -> QueueMessage:
    return QueueMessage(
        message_id=row["message_id"],
        receipt_handle=row["receipt"],
        body=row["body"],
        receive_count=int(row["receive_count"]),
        sent_at=row["sent_at"],
        first_received_at=row["first_received_at"],
        group_id=row["group_id"],
        attributes=dict(row["attributes"] or {}),
    )


class PostgresQueue:
    """Implements the ``Queue`` port. Create queues with :meth:`QueueAdmin.ensure`."""

    def __init__(self, db: Database, config: QueueConfig) -> None:
        self.db = db
        self.config = config
        self.name = config.name
        self._listener: psycopg.Connection[Any] | None = None
        self._listener_lock = threading.Lock()
        db.on_close(self.close)

    # Sending ------------------------------------------------------------------------------------

    def send(self, message: OutgoingMessage) -> str:
        return self.send_batch([message])[0]

    def send_batch(self, messages: Sequence[OutgoingMessage]) -> list[str]:
        if not 1 <= len(messages) <= MAX_BATCH:
            raise ValueError(f"send_batch takes 1 to {MAX_BATCH} messages, got {len(messages)}")
        ids = []
        with self.db.connection() as conn:
            for message in messages:
                ids.append(self._send_one(conn, message))
            conn.execute(q("notify_queue"), {"queue": self.name})
        return ids

    def _send_one(self, conn: psycopg.Connection[Row], message: OutgoingMessage) -> str:
        if self.config.fifo and not message.group_id:
            raise ValueError(f"{self.name}: a FIFO queue needs a message group id")
        if not self.config.fifo and message.deduplication_id:
            raise ValueError(f"{self.name}: deduplication ids are for FIFO queues")
        message_id = str(uuid.uuid4())
        if message.deduplication_id:
            claimed = conn.execute(
                q("claim_dedup"),
                {
                    "queue": self.name,
                    "dedup_id": message.deduplication_id,
                    "message_id": message_id,
                },
            ).fetchone()
            if claimed is None:  # a duplicate within the window: accepted, not delivered twice
                row = conn.execute(
                    q("dedup_message_id"),
                    {"queue": self.name, "dedup_id": message.deduplication_id},
                ).fetchone()
                return str(row["message_id"]) if row else message_id
        delay = message.delay_seconds or self.config.delay_seconds
        if self.config.fifo and message.delay_seconds:
            raise ValueError(f"{self.name}: FIFO queues take delays per queue, not per message")
        conn.execute(
            q("send_message"),
            {
                "queue": self.name,
                "message_id": message_id,
                "body": message.body,
                "attributes": Jsonb(message.attributes),
                "group_id": message.group_id,
                "delay_seconds": delay,
            },
        )
        return message_id

    # Receiving ----------------------------------------------------------------------------------

    def receive(
        self,
        max_messages: int = 1,
        *,
        visibility_timeout: float | None = None,
        wait_seconds: float = 0,
    ) -> list[QueueMessage]:
        """Up to ``max_messages`` (1-10); with ``wait_seconds``, wait for messages like SQS long
        polling (woken by NOTIFY)."""
        if not 1 <= max_messages <= MAX_BATCH:
            raise ValueError(f"max_messages must be 1 to {MAX_BATCH}, got {max_messages}")
        deadline = time.monotonic() + wait_seconds
        while True:
            found = self._receive_now(max_messages, visibility_timeout)
            remaining = deadline - time.monotonic()
            if found or remaining <= 0:
                return found
            self._wait_for_notify(min(remaining, RECHECK_SECONDS))

    def _receive_now(self, limit: int, visibility_timeout: float | None) -> list[QueueMessage]:
        visibility = (
            self.config.visibility_timeout if visibility_timeout is None else visibility_timeout
        )
        with self.db.connection() as conn:
            if self.config.max_receive_count is not None:
                conn.execute(q("dead_letter"), {"queue": self.name})
            query = q("receive_fifo") if self.config.fifo else q("receive_standard")
            rows = conn.execute(
                query, {"queue": self.name, "limit": limit, "visibility": visibility}
            ).fetchall()
        return [_message(r) for r in sorted(rows, key=lambda r: r["seq"])]

    def _wait_for_notify(self, timeout: float) -> None:
        with self._listener_lock:
            if self._listener is None or self._listener.closed:
                self._listener = psycopg.connect(self.db.url, autocommit=True)
                self._listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
            for notice in self._listener.notifies(timeout=timeout):
                if notice.payload == self.name:
                    return

    def close(self) -> None:
        with self._listener_lock:
            if self._listener is not None:
                self._listener.close()
                self._listener = None

    # Acknowledging ------------------------------------------------------------------------------

    def delete(self, receipt_handle: str) -> bool:
        with self.db.connection() as conn:
            return (
                conn.execute(q("delete_message"), {"receipt": receipt_handle}).fetchone()
                is not None
            )

    def delete_batch(self, receipt_handles: Sequence[str]) -> int:
        if not receipt_handles:
            return 0
        with self.db.connection() as conn:
            rows = conn.execute(
                q("delete_messages"), {"receipts": list(receipt_handles)}
            ).fetchall()
            return len(rows)

    def change_visibility(self, receipt_handle: str, timeout: float) -> bool:
        with self.db.connection() as conn:
            row = conn.execute(
                q("change_visibility"), {"receipt": receipt_handle, "timeout": timeout}
            ).fetchone()
            return row is not None

    def stats(self) -> QueueStats:
        row = self.db.fetch_one("queue_stats", queue=self.name) or {}
        dlq = self.config.dead_letter_queue
        dead = self.db.fetch_one("queue_stats", queue=dlq) if dlq else None
        return QueueStats(
            name=self.name,
            visible=int(row.get("visible", 0)),
            in_flight=int(row.get("in_flight", 0)),
            delayed=int(row.get("delayed", 0)),
            dead_letter_queue=dlq,
            dead_letters=int(dead["visible"]) + int(dead["in_flight"]) if dead else 0,
        )


def trigger_queues(config: FunctionConfig) -> tuple[QueueConfig, QueueConfig]:
    """The queue feeding a triggered function and its dead-letter queue. Visibility is 6x the
    function's timeout, as AWS recommends for Lambda event sources."""
    trigger = config.trigger
    if not isinstance(trigger, SqsTrigger):
        raise ValueError(f"function {config.name} has no SQS trigger")
    dlq = QueueConfig(f"{trigger.queue}-dlq")
    main = QueueConfig(
        trigger.queue,
        visibility_timeout=6 * config.timeout_seconds,
        max_receive_count=trigger.max_receive_count,
        dead_letter_queue=dlq.name,
    )
    return main, dlq


class QueueAdmin:
    """Creates queues and moves messages out of dead-letter queues."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def ensure_for(self, config: FunctionConfig) -> PostgresQueue:
        """The queue (and dead-letter queue) of a function with an SQS trigger."""
        main, dlq = trigger_queues(config)
        self.ensure(dlq)
        return self.ensure(main)

    def ensure(self, config: QueueConfig) -> PostgresQueue:
        self.db.execute(
            "upsert_queue",
            name=config.name,
            fifo=config.fifo,
            visibility_timeout=config.visibility_timeout,
            delay_seconds=config.delay_seconds,
            max_receive_count=config.max_receive_count,
            dead_letter_queue=config.dead_letter_queue,
        )
        return PostgresQueue(self.db, config)

    def get(self, name: str) -> PostgresQueue:
        row = self.db.fetch_one("get_queue", name=name)
        if row is None:
            raise QueueNotFound(f"no queue named {name!r}")
        return PostgresQueue(self.db, _config(row))

    def list(self) -> list[QueueConfig]:
        return [_config(r) for r in self.db.fetch_all("list_queues")]

    def redrive(
        self,
        dead_letter_queue: str,
        *,
        destination: str | None = None,
        max_per_second: float | None = None,
        limit: int | None = None,
    ) -> int:
        """Move messages from a dead-letter queue back to the queue each came from (or to
        ``destination``), at most ``max_per_second`` (like SQS StartMessageMoveTask)."""
        self.get(dead_letter_queue)
        if destination is not None:
            self.get(destination)
        moved = 0
        batch = max(1, int(max_per_second)) if max_per_second else 100
        while limit is None or moved < limit:
            size = batch if limit is None else min(batch, limit - moved)
            started = time.monotonic()
            rows = self.db.fetch_all(
                "redrive_batch", dlq=dead_letter_queue, destination=destination, limit=size
            )
            for queue in {r["queue"] for r in rows}:
                self.db.fetch_one("notify_queue", queue=queue)
            moved += len(rows)
            if len(rows) < size:
                break
            if max_per_second:
                time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
        return moved


def _config(row: Row) -> QueueConfig:
    return QueueConfig(
        name=row["name"],
        fifo=row["fifo"],
        visibility_timeout=row["visibility_timeout_seconds"],
        delay_seconds=row["delay_seconds"],
        max_receive_count=row["max_receive_count"],
        dead_letter_queue=row["dead_letter_queue"],
    )
