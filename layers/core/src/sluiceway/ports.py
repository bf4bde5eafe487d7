"""Ports: what steps and runtimes need from the outside world. Adapters implement them per runtime
(``adapters/postgres``, ``adapters/local``, ``adapters/llm``; AWS adapters come with the AWS
runtime). Steps import these Protocols only, never a concrete client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence
    from contextlib import AbstractContextManager
    from datetime import datetime

    import numpy as np
    from numpy.typing import NDArray

    from sluiceway.domain.steps import Usage


class ObjectStore(Protocol):
    """A bucket of documents and derived artefacts (S3, or a local directory)."""

    bucket: str

    def get(self, key: str) -> bytes: ...

    def put(self, key: str, data: bytes) -> None: ...

    def exists(self, key: str) -> bool: ...


@dataclass(frozen=True)
class ChunkRecord:
    idx: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class DocumentRecord:
    task_id: str
    tenant_id: str
    bucket: str
    key: str
    filename: str
    size_bytes: int
    sha256: str
    media_type: str | None = None
    title: str | None = None
    pages: int | None = None
    chars: int | None = None
    encoding: str | None = None
    text_key: str | None = None


@dataclass(frozen=True)
class StepRecord:
    """What the durable-step wrapper writes when a step completes."""

    output: dict[str, Any]
    usage: Usage | None = None


class StateStore(Protocol):
    """Tasks, step checkpoints, progress events and document rows."""

    def collecting(self) -> AbstractContextManager[None]:
        """Scope of a durable step: writes it defers commit with its checkpoint."""
        ...

    def get_checkpoint(self, task_id: str, step: str, item: str) -> dict[str, Any] | None: ...

    def step_started(self, task_id: str, step: str, item: str) -> None: ...

    def step_resumed(self, task_id: str, step: str, item: str) -> None: ...

    def step_failed(self, task_id: str, step: str, item: str, error: str, message: str) -> None: ...

    def step_succeeded(
        self, task_id: str, step: str, item: str, record: StepRecord | None, started_at: Any
    ) -> None:
        """Checkpoint ``record`` and emit ``step.succeeded`` in one transaction (``record=None``:
        the event only, for steps that are not checkpointed)."""
        ...

    def save_document(self, doc: DocumentRecord) -> None: ...

    def set_document_type(self, task_id: str, document_type: str) -> None: ...

    def set_document_fields(self, task_id: str, fields: dict[str, Any]) -> None: ...

    def record_result(self, task_id: str, result: dict[str, Any], document_type: str) -> None: ...

    def record_error(self, task_id: str, error: str, cause: str | None) -> None: ...

    def task_cost(self, task_id: str) -> float: ...


class VectorStore(Protocol):
    """Chunks and their embeddings (pgvector)."""

    def replace_chunks(
        self, task_id: str, tenant_id: str, chunks: Sequence[ChunkRecord]
    ) -> None: ...

    def chunk_texts(self, task_id: str, first: int, last: int) -> list[tuple[int, str]]: ...

    def set_embeddings(self, task_id: str, vectors: dict[int, NDArray[np.float32]]) -> None: ...

    def search(
        self, tenant_id: str, query: NDArray[np.float32], limit: int
    ) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class ModelRequest:
    """One LLM call: what for, at which tier, with which messages."""

    purpose: str
    tier: str
    messages: list[dict[str, str]]
    json_output: bool = True
    tenant: str = "default"
    max_output_tokens: int = 1024
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelAnswer:
    text: str
    usage: Usage


class ModelRouter(Protocol):
    """Picks a model for each call and runs it (litellm)."""

    def complete(self, request: ModelRequest, *, fallback: bool = False) -> ModelAnswer: ...


class Embedder(Protocol):
    dimensions: int

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


# Queues and flow control ------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueMessage:
    """A received message: what SQS's ReceiveMessage returns for one message."""

    message_id: str
    receipt_handle: str
    body: str
    receive_count: int
    sent_at: datetime
    first_received_at: datetime | None = None
    group_id: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutgoingMessage:
    body: str
    delay_seconds: float = 0.0
    group_id: str | None = None
    deduplication_id: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class QueueStats:
    name: str
    visible: int
    in_flight: int
    delayed: int
    dead_letter_queue: str | None = None
    dead_letters: int = 0


class Queue(Protocol):
    """A queue with SQS semantics: at-least-once delivery, visibility timeouts, receive counts,
    dead-letter queues after ``maxReceiveCount`` receives, delays, FIFO message groups."""

    name: str

    def send(self, message: OutgoingMessage) -> str: ...

    def send_batch(self, messages: Sequence[OutgoingMessage]) -> list[str]: ...

    def receive(
        self,
        max_messages: int = 1,
        *,
        visibility_timeout: float | None = None,
        wait_seconds: float = 0,
    ) -> list[QueueMessage]: ...

    def delete(self, receipt_handle: str) -> bool: ...

    def delete_batch(self, receipt_handles: Sequence[str]) -> int: ...

    def change_visibility(self, receipt_handle: str, timeout: float) -> bool: ...

    def stats(self) -> QueueStats: ...


class ConcurrencyLimiter(Protocol):
    """At most ``limit`` holders of ``key`` at once, across every process."""

    def acquire(self, key: str, limit: int, *, timeout: float | None = None) -> int: ...

    def release(self, key: str, slot: int) -> None: ...


class RateLimiter(Protocol):
    """Token buckets shared by every process: reserve before a call, reconcile after it."""

    def reserve(self, costs: dict[str, float], *, max_wait: float = 30.0) -> None: ...

    def reconcile(self, key: str, reserved: float, actual: float) -> None: ...


class Orchestrator(Protocol):
    """Starts pipeline executions: Step Functions in AWS, the embedded runtime locally.
    One execution per task, named after the task id; starting it twice is a no-op."""

    def start_execution(
        self,
        pipeline: str,
        task_id: str,
        input: dict[str, Any],
        tenant_id: str,
        source_name: str | None,
    ) -> bool: ...

    def retry(self, pipeline: str, task_id: str) -> bool:
        """Run a failed (or cancelled) task again from its start, in a new execution: finished
        steps come from their checkpoints. False if the task cannot be retried."""
        ...

    def redrive(self, pipeline: str, task_id: str) -> bool:
        """RedriveExecution: the task's execution goes on from its unsuccessful states (a
        failure caught into a Fail state fails again). False if it cannot be redriven."""
        ...


class Callbacks(Protocol):
    """Completes ``.waitForTaskToken`` states: Step Functions' SendTask* calls, or the embedded
    runtime's task tokens."""

    def send_task_success(self, token: str, output: Any) -> None: ...

    def send_task_failure(self, token: str, error: str, cause: str) -> None: ...

    def send_task_heartbeat(self, token: str) -> None: ...
