"""All settings in one place, read from ``SLUICEWAY_*`` environment variables (and ``DATABASE_URL``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Process-wide settings. Build once per process with :func:`get_settings`."""

    model_config = SettingsConfigDict(env_prefix="SLUICEWAY_", extra="ignore")

    home: Path = Field(
        default=Path(".sluiceway"),
        description="Local state: embedded Postgres data, the local bucket, the inbox.",
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "SLUICEWAY_DATABASE_URL"),
        description="Any Postgres with pgvector; unset means the embedded server under `home`.",
    )
    runtime: Literal["local", "aws"] = Field(
        default="local",
        description="Where handlers run: 'aws' selects the S3/SQS/Step Functions adapters.",
    )
    bucket: str = Field(default="documents", description="Name of the document bucket.")
    ingest_pipeline: str = Field(default="document", description="Pipeline started for S3 drops.")
    tenant: str = Field(default="default", description="Tenant used by the CLI.")

    # AWS (set by the CDK stacks in every function's environment).
    database_secret_arn: str | None = Field(
        default=None, description="Secrets Manager secret with the Aurora credentials (AWS)."
    )
    database_host: str | None = Field(default=None, description="RDS Proxy endpoint (AWS).")
    database_name: str = "sluiceway"
    state_machine_arns: dict[str, str] = Field(
        default_factory=dict, description="Pipeline name -> state machine ARN, as JSON (AWS)."
    )
    ingest_queue_url: str | None = Field(default=None, description="The ingest queue (AWS).")

    # Documents and chunking.
    max_document_bytes: int = 50 * 1024 * 1024
    chunk_chars: int = 1200
    chunk_overlap: int = 150
    embed_batch_size: int = 32
    long_document_chars: int = 200_000

    # Models (litellm names). The defaults are the offline local providers.
    model_small: str = "sluiceway-local/small"
    model_large: str = "sluiceway-local/large"
    model_fallback: str = "sluiceway-local/small"
    embedding_dimensions: int = 384
    rate_limits: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description=(
            'Token buckets per model, or per model and tenant ("model@tenant"), as JSON: '
            '{"sluiceway-local/large": {"rpm": 600, "tpm": 200000}}. Shared by every worker.'
        ),
    )
    rate_limit_max_wait_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Wait at most this long for a rate limit, then ModelRateLimited.",
    )

    # Embedded runtime.
    workers: int = Field(default=2, ge=1, description="Worker processes running executions.")
    tasks_per_worker: int = Field(default=8, ge=1, description="Executions in flight per worker.")
    record_history: bool = Field(
        default=True,
        description="Keep every execution's history events (like GetExecutionHistory).",
    )
    lease_seconds: float = Field(
        default=30.0, gt=0, description="A task's lease; renewed while it runs."
    )
    max_executions: int = Field(
        default=5, ge=1, description="A task whose worker dies this many times ends FAILED."
    )
    poll_seconds: float = Field(default=0.5, gt=0)

    project_dir: Path | None = Field(
        default=None,
        description="Folder holding functions/ and statemachines/; found automatically if unset.",
    )

    @property
    def project_root(self) -> Path:
        if self.project_dir is not None:
            return self.project_dir
        cwd = Path.cwd()
        if (cwd / "statemachines").is_dir() and (cwd / "functions").is_dir():
            return cwd
        # A source checkout: layers/core/src/sluiceway/settings.py -> the repository root.
        here = Path(__file__).resolve()
        if len(here.parents) > 4 and (here.parents[4] / "statemachines").is_dir():
            return here.parents[4]
        return cwd  # installed elsewhere (a Lambda layer): the working directory

    @property
    def functions_dir(self) -> Path:
        return self.project_root / "functions"

    @property
    def statemachines_dir(self) -> Path:
        return self.project_root / "statemachines"

    api_host: str = Field(
        default="127.0.0.1", description="Where `sluiceway serve` serves the HTTP API."
    )
    api_port: int = Field(default=8787, ge=0, le=65535, description="0 picks a free port.")
    inbox: Path | None = Field(
        default=None,
        description="The local S3 drop watched by `sluiceway serve` (default HOME/inbox).",
    )

    @property
    def inbox_dir(self) -> Path:
        return self.inbox if self.inbox is not None else self.home / "inbox"

    @property
    def bucket_dir(self) -> Path:
        return self.home / "bucket" / self.bucket

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
