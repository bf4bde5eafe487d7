"""Dependencies of steps, built once per process from settings (a Lambda container or a worker)."""

from __future__ import annotations

import json
import threading
from functools import cached_property
from typing import TYPE_CHECKING
from urllib.parse import quote

from sluiceway.adapters.embeddings import HashingEmbedder
from sluiceway.adapters.local.objects import LocalObjectStore
from sluiceway.adapters.postgres.db import Database, migrate
from sluiceway.adapters.postgres.store import PostgresStateStore
from sluiceway.adapters.postgres.vectors import PgVectorStore
from sluiceway.settings import Settings, get_settings

if TYPE_CHECKING:
    from sluiceway.adapters.postgres.embedded import EmbeddedPostgres
    from sluiceway.ports import Callbacks, Embedder, ModelRouter, ObjectStore, Orchestrator, Queue


def aws_database_url(settings: Settings) -> str:
    """The Aurora URL from the Secrets Manager secret CDK created (through RDS Proxy)."""
    import boto3

    secret = json.loads(
        boto3.client("secretsmanager").get_secret_value(SecretId=settings.database_secret_arn)[
            "SecretString"
        ]
    )
    host = settings.database_host or secret["host"]
    user, password = quote(secret["username"], safe=""), quote(secret["password"], safe="")
    port = secret.get("port", 5432)
    return f"postgresql://{user}:{password}@{host}:{port}/{settings.database_name}?sslmode=require"


def database_url(settings: Settings) -> tuple[str, EmbeddedPostgres | None]:
    """``DATABASE_URL`` if set; in AWS the Aurora secret; else the embedded server under
    ``SLUICEWAY_HOME`` (started here)."""
    if settings.database_url:
        return settings.database_url, None
    if settings.runtime == "aws":
        if not settings.database_secret_arn:
            raise RuntimeError(
                "SLUICEWAY_RUNTIME=aws needs SLUICEWAY_DATABASE_SECRET_ARN or DATABASE_URL"
            )
        return aws_database_url(settings), None
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
        self.objects: ObjectStore = objects or self._object_store()
        self.embedder: Embedder = HashingEmbedder(settings.embedding_dimensions)

    def _object_store(self) -> ObjectStore:
        if self.settings.runtime == "aws":
            import boto3

            from sluiceway.adapters.aws.s3 import S3ObjectStore

            return S3ObjectStore(boto3.client("s3"), self.settings.bucket)
        return LocalObjectStore(self.settings.bucket_dir, self.settings.bucket)

    @cached_property
    def ingest_queue(self) -> Queue:
        """Where ingestion (S3 drops, API submissions) enqueues: started by ``functions/ingest``."""
        if self.settings.runtime == "aws":
            import boto3

            from sluiceway.adapters.aws.sqs import SqsQueue

            if not self.settings.ingest_queue_url:
                raise RuntimeError("SLUICEWAY_RUNTIME=aws needs SLUICEWAY_INGEST_QUEUE_URL")
            return SqsQueue(boto3.client("sqs"), self.settings.ingest_queue_url)
        from sluiceway.adapters.postgres.queue import QueueAdmin
        from sluiceway.ingest import INGEST_FUNCTION
        from sluiceway.project import function_config

        config = function_config(self.settings.functions_dir, INGEST_FUNCTION)
        return QueueAdmin(self.db).ensure_for(config)

    @cached_property
    def callbacks(self) -> Callbacks:
        """SendTaskSuccess/Failure for consumers of ``.waitForTaskToken`` messages."""
        if self.settings.runtime == "aws":
            import boto3

            from sluiceway.adapters.aws.sfn import StepFunctionsOrchestrator

            return StepFunctionsOrchestrator(
                boto3.client("stepfunctions"), self.settings.state_machine_arns
            )
        from sluiceway.adapters.postgres.tokens import PostgresTaskTokens

        return PostgresTaskTokens(self.db)

    @cached_property
    def orchestrator(self) -> Orchestrator:
        if self.settings.runtime == "aws":
            import boto3

            from sluiceway.adapters.aws.sfn import StepFunctionsOrchestrator

            return StepFunctionsOrchestrator(
                boto3.client("stepfunctions"), self.settings.state_machine_arns, self.store
            )
        from sluiceway.runtime.local.orchestrator import LocalOrchestrator

        return LocalOrchestrator(self.store)

    @cached_property
    def models(self) -> ModelRouter:
        from sluiceway.adapters.llm.router import LitellmModelRouter

        limiter = None
        if self.settings.rate_limits:
            from sluiceway.adapters.postgres.limits import PostgresRateLimiter

            limiter = PostgresRateLimiter(self.db)
        return LitellmModelRouter(self.settings, limiter)

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
