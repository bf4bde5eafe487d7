"""Dependencies of steps, built once per process from settings (a Lambda container or a worker)."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

from sluiceway.adapters.embeddings import HashingEmbedder
from sluiceway.adapters.local.objects import LocalObjectStore
from sluiceway.adapters.postgres.db import Database, migrate
from sluiceway.adapters.postgres.store import PostgresStateStore
from sluiceway.adapters.postgres.vectors import PgVectorStore
from sluiceway.settings import Settings, get_settings

if TYPE_CHECKING:
    from sluiceway.adapters.postgres.embedded import EmbeddedPostgres
    from sluiceway.ports import Embedder, ModelRouter, ObjectStore, Orchestrator, Queue


def database_url(settings: Settings) -> tuple[str, EmbeddedPostgres | None]:
    """``DATABASE_URL`` if set, else the embedded server under ``SLUICEWAY_HOME`` (started here)."""
    if settings.database_url:
        return settings.database_url, None
    from sluiceway.adapters.postgres.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(settings.pgdata)
    return server.start(), server


class Deps:
    """The adapters behind every port. Models load lazily: litellm takes seconds to import."""

    def __init__(
        self, settings: Settings, db: Database, objects: ObjectStore | None = None
    ) -> None:
        self.settings = settings
        self.db = db
        self.store = PostgresStateStore(db)
        self.vectors = PgVectorStore(db)
        self.objects: ObjectStore = objects or LocalObjectStore(
            settings.bucket_dir, settings.bucket
        )
        self.embedder: Embedder = HashingEmbedder(settings.embedding_dimensions)

    @cached_property
    def ingest_queue(self) -> Queue:
        """Where ingestion (S3 drops, API submissions) enqueues: started by ``functions/ingest``."""
        from sluiceway.adapters.postgres.queue import QueueAdmin
        from sluiceway.ingest import INGEST_FUNCTION
        from sluiceway.project import function_config

        config = function_config(self.settings.functions_dir, INGEST_FUNCTION)
        return QueueAdmin(self.db).ensure_for(config)

    @cached_property
    def orchestrator(self) -> Orchestrator:
        from sluiceway.runtime.local.orchestrator import LocalOrchestrator

        return LocalOrchestrator(self.store)

    @cached_property
    def models(self) -> ModelRouter:
        from sluiceway.adapters.llm.router import LitellmModelRouter

        return LitellmModelRouter(self.settings)

    def close(self) -> None:
        self.db.close()


_lock = threading.Lock()
_deps: Deps | None = None
_server: EmbeddedPostgres | None = None


def get_deps() -> Deps:
    """The process-wide dependencies; the schema is migrated on first use."""
    global _deps, _server
    with _lock:
        if _deps is None:
            settings = get_settings()
            url, _server = database_url(settings)
            migrate(url)
            _deps = Deps(settings, Database(url))
        return _deps


def set_deps(deps: Deps | None) -> None:
    """Install dependencies built elsewhere (the local runtime and tests do)."""
    global _deps
    with _lock:
        _deps = deps
