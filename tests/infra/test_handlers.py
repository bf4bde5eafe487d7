"""The deployment's own functions (``infra/lambdas``) and the long-step job entry point, run for
real: migrations and status changes against the embedded Postgres."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from sluiceway.adapters.postgres.db import Database, connect
from sluiceway.adapters.postgres.store import PostgresStateStore
from tests.infra.support import module

pytestmark = [pytest.mark.infra, pytest.mark.integration]


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    embedded = pytest.importorskip("sluiceway.adapters.postgres.embedded")
    root = Path(tempfile.mkdtemp(prefix="slw-infra-"))
    server = embedded.EmbeddedPostgres(root / "pgdata")
    url: str = server.start()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS infra_handlers")
        conn.execute("CREATE DATABASE infra_handlers")
    try:
        yield re.sub(r"(postgresql://[^/]*/)([^?]*)", r"\g<1>infra_handlers", url, count=1)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def migrated(server_url: str) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", server_url)
        migrate = module("infra.lambdas.migrate")
        created = migrate.on_event({"RequestType": "Create"}, None)
        assert created["PhysicalResourceId"] == "sluiceway-schema"
        assert "0001_initial" in created["Data"]["Applied"]
        again = migrate.on_event({"RequestType": "Update", "PhysicalResourceId": "x"}, None)
        assert again == {"PhysicalResourceId": "x", "Data": {"Applied": "none"}}
    yield server_url


def test_migrations_are_applied_once_and_delete_keeps_the_schema(migrated: str) -> None:
    migrate = module("infra.lambdas.migrate")
    assert migrate.on_event({"RequestType": "Delete", "PhysicalResourceId": "p"}, None) == {
        "PhysicalResourceId": "p"
    }
    with psycopg.connect(migrated) as conn:
        assert conn.execute("SELECT count(*) FROM tasks").fetchone() == (0,)


def test_migrations_wait_for_a_database_that_is_not_up_yet() -> None:
    migrate = module("infra.lambdas.migrate")
    waits: list[float] = []
    with pytest.raises(module("sluiceway.errors").StoreUnavailable):
        migrate.run_migrations(
            "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1",
            attempts=3,
            wait=0.5,
            sleep=waits.append,
        )
    assert waits == [0.5, 0.5]


def event(task_id: str, status: str, **detail: Any) -> dict[str, Any]:
    arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:sluiceway-document"
    return {"name": task_id, "status": status, "stateMachineArn": arn, **detail}


@pytest.fixture
def store(migrated: str) -> Iterator[PostgresStateStore]:
    db = Database(migrated)
    try:
        yield PostgresStateStore(db)
    finally:
        db.close()


def task(store: PostgresStateStore, task_id: str) -> dict[str, Any]:
    store.create_task(task_id, "acme", "document", {"key": "incoming/acme/a.pdf"}, "a.pdf")
    return {"id": task_id}


def row(url: str, task_id: str) -> dict[str, Any]:
    with connect(url) as conn:
        found: dict[str, Any] | None = conn.execute(
            "SELECT status, error, cause, started_at, finished_at FROM tasks WHERE id = %s",
            (task_id,),
        ).fetchone()
    assert found is not None
    return found


def test_status_changes_reach_the_task_row(migrated: str, store: PostgresStateStore) -> None:
    status = module("infra.lambdas.status")
    task(store, "t-ok")
    with connect(migrated) as conn:
        assert status.record(conn, event("t-ok", "RUNNING"))["changed"] is True
        assert row(migrated, "t-ok")["status"] == "RUNNING"
        done = status.record(conn, event("t-ok", "SUCCEEDED"))
        assert done == {"task_id": "t-ok", "status": "SUCCEEDED", "changed": True, "cost": 0.0}
        # Late or repeated deliveries change nothing.
        assert status.record(conn, event("t-ok", "RUNNING"))["changed"] is False
        assert status.record(conn, event("t-ok", "FAILED", error="X"))["changed"] is False
    final = row(migrated, "t-ok")
    assert final["status"] == "SUCCEEDED" and final["finished_at"] is not None


def test_the_pipelines_own_error_wins_and_timeouts_fail(
    migrated: str, store: PostgresStateStore
) -> None:
    status = module("infra.lambdas.status")
    task(store, "t-bad")
    task(store, "t-slow")
    store.record_error("t-bad", "CorruptDocument", "not a PDF")
    with connect(migrated) as conn:
        status.record(conn, event("t-bad", "FAILED", error="States.TaskFailed", cause="..."))
        status.record(conn, event("t-slow", "TIMED_OUT"))
        # A redriven execution runs again.
        assert status.record(conn, event("t-slow", "RUNNING", redriveCount=1))["changed"] is True
    assert row(migrated, "t-bad")["error"] == "CorruptDocument"
    assert row(migrated, "t-slow")["status"] == "RUNNING"
    with connect(migrated) as conn:
        kinds = [
            r["kind"] for r in conn.execute("SELECT kind FROM task_events WHERE task_id = 't-bad'")
        ]
    assert "task.failed" in kinds


def test_a_retried_tasks_new_execution_updates_the_task(
    migrated: str, store: PostgresStateStore
) -> None:
    status = module("infra.lambdas.status")
    task(store, "t-again")
    with connect(migrated) as conn:
        status.record(conn, event("t-again", "FAILED", error="Boom"))
    assert store.requeue_task("t-again")  # what StepFunctionsOrchestrator.retry does
    with connect(migrated) as conn:
        status.record(conn, event("t-again--retry-0a1b2c3d", "RUNNING"))
        status.record(conn, event("t-again--retry-0a1b2c3d", "SUCCEEDED"))
    assert row(migrated, "t-again")["status"] == "SUCCEEDED"


def test_model_cost_is_published_in_embedded_metric_format() -> None:
    status = module("infra.lambdas.status")
    line = json.loads(
        status.metric_line(
            "document", {"task_id": "t", "status": "SUCCEEDED", "cost": 0.0123}, 1000
        )
    )
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Sluiceway"
    assert directive["Metrics"] == [{"Name": "ModelCostUSD", "Unit": "None"}]
    assert line["ModelCostUSD"] == 0.0123 and line["Pipeline"] == "document"


def test_the_job_entry_point_refuses_bad_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    run_step = module("infra.job.run_step")
    monkeypatch.setattr(run_step, "FUNCTIONS", Path(__file__).resolve().parents[2] / "functions")
    monkeypatch.setenv("SLUICEWAY_STEP", "nope")
    monkeypatch.setenv("SLUICEWAY_EVENT", "{}")
    assert run_step.main() == 2
    monkeypatch.setenv("SLUICEWAY_STEP", "plan")
    monkeypatch.setenv("SLUICEWAY_EVENT", "not json")
    assert run_step.main() == 2
    assert callable(run_step.load_handler("plan"))
