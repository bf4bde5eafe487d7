"""Task tokens for ``.waitForTaskToken`` states in the embedded runtime: the local equivalent of
Step Functions' SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from sluiceway.adapters.postgres.db import Database, Row
from sluiceway.errors import TerminalError


class TaskDoesNotExist(TerminalError):
    """The token is unknown, or its task has already completed (Step Functions' TaskDoesNotExist)."""


class PostgresTaskTokens:
    """Implements the ``Callbacks`` port locally."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def register(self, token: str, execution: str, state: str) -> bool:
        """Record a token a state now waits for; False if it existed (a replayed execution)."""
        return (
            self.db.fetch_one("register_token", token=token, execution=execution, state=state)
            is not None
        )

    def get(self, token: str) -> Row | None:
        return self.db.fetch_one("get_token", token=token)

    def _complete(
        self, token: str, status: str, output: Any, error: str | None, cause: str | None
    ) -> None:
        row = self.db.fetch_one(
            "complete_token",
            token=token,
            status=status,
            output=None if output is None else Jsonb(output),
            error=error,
            cause=cause,
        )
        if row is None:
            raise TaskDoesNotExist(f"no task is waiting for token {token[:16]}...")

    def send_task_success(self, token: str, output: Any) -> None:
        self._complete(token, "SUCCEEDED", output, None, None)

    def send_task_failure(self, token: str, error: str, cause: str) -> None:
        self._complete(token, "FAILED", None, error, cause)

    def send_task_heartbeat(self, token: str) -> None:
        if self.db.fetch_one("heartbeat_token", token=token) is None:
            raise TaskDoesNotExist(f"no task is waiting for token {token[:16]}...")
