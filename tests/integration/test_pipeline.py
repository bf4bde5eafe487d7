"""The document pipeline end to end on the embedded Postgres."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sluiceway.runtime.deps import Deps
from sluiceway.runtime.local.runner import submit_file
from tests.conftest import SAMPLES
from tests.integration.helpers import (
    Counting,
    CrashAfter,
    SimulatedCrash,
    local_invoker,
    run_worker,
)

pytestmark = pytest.mark.integration

INVOICE = SAMPLES / "documents" / "invoice-acme-2026-0142.pdf"
PIPELINE_STEPS = ["Extract", "Plan", "Chunk", "Classify", "Embed", "ExtractFields", "Finalize"]


def checkpoint_steps(deps: Deps, task_id: str) -> set[str]:
    return {row["step"] for row in deps.store.list_checkpoints(task_id)}


def started_counts(deps: Deps, task_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for event in deps.store.list_events(task_id):
        if event["kind"] == "step.started":
            counts[event["step"]] = counts.get(event["step"], 0) + 1
    return counts


def test_a_document_runs_end_to_end(deps: Deps) -> None:
    task_id = submit_file(deps, INVOICE)
    run_worker(deps)

    task = deps.store.get_task(task_id)
    assert task is not None
    assert task.status == "SUCCEEDED", (task.error, task.cause)
    assert task.document_type == "invoice"
    assert task.result is not None
    assert task.result["fields"]["invoice_number"]
    assert task.result["cost_usd"] > 0
    # Classify and Embed run in parallel: their order varies.
    assert {s.name for s in task.steps} == set(PIPELINE_STEPS)
    assert all(s.status == "SUCCEEDED" and s.started_at and s.finished_at for s in task.steps)
    # Every step checkpointed, with the model calls' usage on the LLM steps.
    rows = {r["step"]: r for r in deps.store.list_checkpoints(task_id)}
    assert set(rows) == set(PIPELINE_STEPS)
    assert rows["Classify"]["model"].startswith("sluiceway-local/")
    assert rows["ExtractFields"]["tokens_in"] > 0
    # Chunks and vectors are in pgvector, and searchable.
    chunks = deps.vectors.chunk_texts(task_id, 0, 10_000)
    assert chunks
    assert deps.vectors.count_embedded(task_id) == len(chunks)
    query = deps.embedder.embed([chunks[0][1]])[0]
    hits = deps.vectors.search("default", query, 3)
    assert hits[0]["task_id"] == task_id
    assert hits[0]["idx"] == chunks[0][0]


def test_a_corrupt_file_fails_cleanly_and_loses_nothing(deps: Deps, tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage without xref or trailer")
    good = submit_file(deps, INVOICE)
    task_id = submit_file(deps, bad)
    run_worker(deps)

    task = deps.store.get_task(task_id)
    assert task is not None
    assert task.status == "FAILED"
    assert task.error == "CorruptDocument"
    assert task.cause and "broken.pdf" in task.cause
    assert [s.name for s in task.steps] == ["Extract", "RecordFailure"]
    assert task.steps[0].status == "FAILED"
    # The input is kept, so the task can be retried once the file is fixed.
    assert deps.objects.get(task.input["key"]) == bad.read_bytes()
    assert deps.vectors.chunk_texts(task_id, 0, 100) == []
    # The other task is unaffected.
    other = deps.store.get_task(good)
    assert other is not None and other.status == "SUCCEEDED"


def test_an_interrupted_task_resumes_without_rerunning_finished_steps(deps: Deps) -> None:
    deps.settings.lease_seconds = 0.5
    task_id = submit_file(deps, INVOICE)
    with pytest.raises(SimulatedCrash):
        run_worker(deps, CrashAfter(local_invoker(deps), "chunk"))

    task = deps.store.get_task(task_id)
    assert task is not None and task.status == "RUNNING"
    assert checkpoint_steps(deps, task_id) == {"Extract", "Plan", "Chunk"}

    time.sleep(0.6)  # the crashed worker's lease expires; another worker claims the task
    counting = Counting(local_invoker(deps))
    run_worker(deps, counting)

    task = deps.store.get_task(task_id)
    assert task is not None
    assert task.status == "SUCCEEDED", (task.error, task.cause)
    assert task.executions == 2
    # Finished steps were not run again: one start each. The execution went on from its
    # history (Extract and Plan had exited); Chunk, in flight at the crash, came back from
    # its checkpoint ('step.resumed').
    started = started_counts(deps, task_id)
    assert all(started[step] == 1 for step in PIPELINE_STEPS if step != "Embed")
    resumed = {e["step"] for e in deps.store.list_events(task_id) if e["kind"] == "step.resumed"}
    assert resumed == {"Chunk"}
    history = deps.store.execution_history(task_id)
    assert [r["type"] for r in history].count("ExecutionStarted") == 1
    assert [r["id"] for r in history] == list(range(1, len(history) + 1))
    attempts = {r["step"]: r["attempt"] for r in deps.store.list_checkpoints(task_id)}
    assert attempts["Extract"] == attempts["Plan"] == attempts["Chunk"] == 1


def test_retry_runs_a_failed_task_again(deps: Deps, tmp_path: Path) -> None:
    doc = tmp_path / "note.txt"
    doc.write_bytes(b"")
    task_id = submit_file(deps, doc)
    run_worker(deps)
    task = deps.store.get_task(task_id)
    assert task is not None and task.status == "FAILED" and task.error == "EmptyDocument"

    # The user fixes the document in the bucket, then retries.
    deps.objects.put(
        task.input["key"], b"Dear Ms. Smith,\n\nThank you for your letter.\n\nSincerely,\nJo"
    )
    assert deps.store.requeue_task(task_id)
    run_worker(deps)
    task = deps.store.get_task(task_id)
    assert task is not None
    assert task.status == "SUCCEEDED", (task.error, task.cause)
    assert task.error is None
    assert task.document_type == "letter"
    # A retry is a new execution from the start (not a redrive).
    started = [
        row for row in deps.store.execution_history(task_id) if row["type"] == "ExecutionStarted"
    ]
    assert len(started) == 2
    with deps.db.connection() as conn:
        row = conn.execute("SELECT redrives FROM tasks WHERE id = %s", (task_id,)).fetchone()
    assert row is not None and row["redrives"] == 0


def test_a_redrive_of_a_failure_caught_into_a_fail_state_fails_again(
    deps: Deps, tmp_path: Path
) -> None:
    """As RedriveExecution does: the unsuccessful state is the Fail state (retry is the way to
    run such a task again)."""
    doc = tmp_path / "empty.txt"
    doc.write_bytes(b"")
    task_id = submit_file(deps, doc)
    run_worker(deps)
    assert deps.store.redrive_task(task_id)
    assert not deps.store.redrive_task(task_id)  # PENDING: not redrivable
    run_worker(deps)
    task = deps.store.get_task(task_id)
    assert task is not None and (task.status, task.error) == ("FAILED", "EmptyDocument")
    types = [row["type"] for row in deps.store.execution_history(task_id)]
    assert types[types.index("ExecutionFailed") + 1 :] == [
        "ExecutionRedriven",
        "FailStateEntered",
        "ExecutionFailed",
    ]


def test_every_execution_keeps_its_history(deps: Deps) -> None:
    from sluiceway.runtime.local.history import as_get_execution_history

    task_id = submit_file(deps, INVOICE)
    run_worker(deps)
    history = as_get_execution_history(deps.store.execution_history(task_id))["events"]
    types = [e["type"] for e in history]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
    assert types[1:3] == ["TaskStateEntered", "LambdaFunctionScheduled"]
    assert "ParallelStateEntered" in types and "MapIterationSucceeded" in types
    assert [e["id"] for e in history] == list(range(1, len(history) + 1))
    entered = next(e for e in history if e["type"] == "TaskStateEntered")
    assert entered["stateEnteredEventDetails"]["name"] == "Extract"


def test_a_task_whose_worker_keeps_dying_ends_failed_not_reclaimed_forever(deps: Deps) -> None:
    deps.settings.lease_seconds = 0.2
    deps.settings.max_executions = 2
    task_id = submit_file(deps, INVOICE)
    for _ in range(2):  # the worker dies in the middle of both executions
        with pytest.raises(SimulatedCrash):
            run_worker(deps, CrashAfter(local_invoker(deps), "plan"))
        time.sleep(0.3)
    run_worker(deps)
    task = deps.store.get_task(task_id)
    assert task is not None
    assert (task.status, task.error) == ("FAILED", "ExecutionAttemptsExhausted")
    assert task.cause is not None and "2 executions" in task.cause
    # Nothing is lost: a retry resumes from the checkpoints and finishes.
    assert deps.store.requeue_task(task_id)
    run_worker(deps)
    task = deps.store.get_task(task_id)
    assert task is not None and task.status == "SUCCEEDED"
    # The reclaimed execution went on from its history; the retry started afresh.
    types = [row["type"] for row in deps.store.execution_history(task_id)]
    assert types.count("ExecutionStarted") == 2


def test_a_redrive_goes_on_where_a_dead_worker_stopped(deps: Deps) -> None:
    deps.settings.lease_seconds = 0.2
    deps.settings.max_executions = 1
    task_id = submit_file(deps, INVOICE)
    with pytest.raises(SimulatedCrash):
        run_worker(deps, CrashAfter(local_invoker(deps), "plan"))
    time.sleep(0.3)
    run_worker(deps)  # the lease expired: the task is given up (ExecutionAttemptsExhausted)
    assert deps.store.redrive_task(task_id)
    run_worker(deps)
    task = deps.store.get_task(task_id)
    assert task is not None
    assert task.status == "SUCCEEDED", (task.error, task.cause)
    rows = deps.store.execution_history(task_id)
    redriven = next(r for r in rows if r["type"] == "ExecutionRedriven")
    assert redriven["details"] == {"redriveCount": 1}
    entered = [
        r["details"]["name"]
        for r in rows
        if r["execution"] == redriven["execution"] and r["type"] == "TaskStateEntered"
    ]
    assert entered[0] == "Plan"  # Extract completed before the crash: not entered again
    ids = [r["id"] for r in rows if r["execution"] == redriven["execution"]]
    assert ids[0] == max(r["id"] for r in rows if r["execution"] < redriven["execution"]) + 1
