"""Custom resource (CloudFormation, through the CDK provider framework): run the schema migrations
of the ``sluiceway`` package on every deploy that changes them.

The same ``sluiceway.adapters.postgres.db.migrate`` as ``sluiceway db migrate`` locally: versioned
SQL files shipped as package data, applied under an advisory lock, each once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from sluiceway.adapters.postgres.db import migrate
from sluiceway.errors import StoreUnavailable
from sluiceway.runtime.deps import database_url
from sluiceway.settings import Settings

log = logging.getLogger("sluiceway.migrate")
log.setLevel(logging.INFO)

PHYSICAL_ID = "sluiceway-schema"
# A new cluster may still be starting when the first deploy reaches this resource.
ATTEMPTS = 30
WAIT_SECONDS = 20.0


def run_migrations(
    url: str,
    *,
    attempts: int = ATTEMPTS,
    wait: float = WAIT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """``migrate(url)``, retried while the database cannot be reached."""
    for attempt in range(1, attempts + 1):
        try:
            return migrate(url)
        except StoreUnavailable as exc:
            if attempt == attempts:
                raise
            log.warning("database not reachable (attempt %d/%d): %s", attempt, attempts, exc)
            sleep(wait)
    raise AssertionError("unreachable")


def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001
    physical = str(event.get("PhysicalResourceId") or PHYSICAL_ID)
    if event["RequestType"] == "Delete":
        # The schema and its data outlive the stack, as the database does (removal policy).
        return {"PhysicalResourceId": physical}
    url, _ = database_url(Settings())
    applied = run_migrations(url)
    log.info("migrations applied: %s", applied or "none")
    return {"PhysicalResourceId": physical, "Data": {"Applied": ", ".join(applied) or "none"}}
