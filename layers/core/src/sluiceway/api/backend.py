"""What the API's routes need from the outside world, as a port: the data (``ApiData``,
Postgres in both runtimes), the document bucket and the ingest queue. Unit tests pass fakes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sluiceway.api.models import EventOut, SearchHit, TaskSummary
    from sluiceway.domain.tasks import Task
    from sluiceway.ingest import Submission
    from sluiceway.ports import ObjectStore, Queue
    from sluiceway.runtime.deps import Deps
    from sluiceway.settings import Settings


@dataclass(frozen=True)
class QueuedSubmission:
    """A submission whose execution the ingest function has not started yet."""

    submission: Submission
    created_at: datetime


class ApiData(Protocol):
    """The API's queries. Every task read takes the caller's tenant: another tenant's task is
    indistinguishable from a missing one."""

    def ping(self) -> None: ...

    def tenant_for_key(self, key_hash: str) -> str | None: ...

    def add_submission(self, submission: Submission) -> bool:
        """Remember a submission (False: its task id is taken)."""
        ...

    def remove_submission(self, task_id: str) -> None: ...

    def get_submission(self, tenant_id: str, task_id: str) -> QueuedSubmission | None: ...

    def get_task(self, tenant_id: str, task_id: str) -> Task | None:
        """The task with its per-step progress."""
        ...

    def task_cost(self, task_id: str) -> float: ...

    def list_tasks(self, tenant_id: str, status: str | None, limit: int) -> list[TaskSummary]: ...

    def list_events(self, task_id: str, after: int, limit: int) -> list[EventOut]: ...

    def requeue_task(self, task_id: str) -> bool: ...

    def redrive_task(self, task_id: str) -> bool: ...

    def cancel_task(self, task_id: str) -> bool: ...

    def search(self, tenant_id: str, query: str, limit: int) -> list[SearchHit]: ...


def _no_pipeline_list() -> frozenset[str]:
    return frozenset()


@dataclass
class Backend:
    data: ApiData
    objects: ObjectStore
    ingest_queue: Callable[[], Queue]
    default_pipeline: str = "document"
    #: The pipelines one may submit to; empty when they cannot be known (any is accepted).
    pipelines: Callable[[], frozenset[str]] = field(default=_no_pipeline_list)
    max_document_bytes: int = 50 * 1024 * 1024


def known_pipelines(settings: Settings) -> frozenset[str]:
    """State machines deployed (AWS) or defined in ``statemachines/`` (embedded runtime)."""
    names = set(settings.state_machine_arns)
    names |= {
        p.name.removesuffix(".asl.json") for p in settings.statemachines_dir.glob("*.asl.json")
    }
    return frozenset(names)


def backend_from_deps(deps: Deps) -> Backend:
    """The backend over the process's ports (``get_deps()``): the same in Lambda and locally."""
    from sluiceway.api.queries import PostgresApiData

    settings = deps.settings
    return Backend(
        data=PostgresApiData(deps),
        objects=deps.objects,
        ingest_queue=lambda: deps.ingest_queue,
        default_pipeline=settings.ingest_pipeline,
        pipelines=lambda: known_pipelines(settings),
        max_document_bytes=settings.max_document_bytes,
    )
