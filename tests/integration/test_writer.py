"""Group commit: writes of many threads share transactions; one bad write fails alone."""

from __future__ import annotations

import threading
from concurrent.futures import Future

import psycopg
import pytest
from psycopg.types.json import Jsonb

from sluiceway.adapters.postgres.db import Database
from sluiceway.adapters.postgres.store import PostgresStateStore
from sluiceway.adapters.postgres.writer import GroupCommitWriter

pytestmark = pytest.mark.integration


def task(task_id: str) -> tuple[str, dict[str, object]]:
    return (
        "insert_task",
        {"id": task_id, "tenant_id": "t", "pipeline": "p", "input": Jsonb({}), "source_name": None},
    )


def test_concurrent_writes_share_transactions_and_all_commit(database_url: str) -> None:
    db = Database(database_url)
    writer = GroupCommitWriter(db)
    threads = [threading.Thread(target=writer.write, args=([task(f"t{i}")],)) for i in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    writer.close()
    row = db.fetch_one("count_all_statuses")
    assert row is not None and row["n"] == 200
    assert writer.writes == 200
    assert writer.transactions < 200  # they shared transactions
    db.close()


def test_a_failing_write_fails_alone(database_url: str) -> None:
    db = Database(database_url)
    writer = GroupCommitWriter(db)
    futures: list[Future[None]] = [writer.submit([task("a")]), writer.submit([task("a")])]
    futures.append(writer.submit([task("b")]))
    assert futures[0].result(timeout=30) is None
    with pytest.raises(psycopg.errors.UniqueViolation):
        futures[1].result(timeout=30)
    assert futures[2].result(timeout=30) is None
    writer.close()
    assert {t.id for t in PostgresStateStore(db).list_tasks("t")} == {"a", "b"}
    db.close()
