"""A worker: claims tasks from Postgres, runs their executions on the ASL interpreter, and records
how each ended. Several run side by side (processes); a task whose worker dies is claimed again
when its lease expires and resumes from its checkpoints."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from sluiceway.adapters.local.buckets import LocalBuckets
from sluiceway.adapters.postgres.writer import GroupCommitWriter
from sluiceway.asl import ExecutionNotRedrivable, Executor, Redrive, StateMachine
from sluiceway.asl.journal import EXECUTION_ENDS
from sluiceway.naming import substitute_function_arns
from sluiceway.project import step_limits
from sluiceway.runtime.local.functions import FunctionRegistry, LocalLambdaInvoker
from sluiceway.runtime.local.history import HistoryRecorder, as_events
from sluiceway.steps.record_failure import readable_cause

if TYPE_CHECKING:
    from sluiceway.asl import Integration, LambdaInvoker
    from sluiceway.runtime.deps import Deps

log = logging.getLogger("sluiceway.worker")


class StopSignal(Protocol):
    def is_set(self) -> bool: ...


def build_invoker(deps: Deps) -> LocalLambdaInvoker:
    """The invoker of a worker: ``functions/`` handlers, with the pipelines' per-step limits
    enforced across every worker through Postgres."""
    from sluiceway.adapters.postgres.limits import PostgresConcurrencyLimiter

    registry = FunctionRegistry(deps.settings.functions_dir)
    return LocalLambdaInvoker(
        registry,
        limiter=PostgresConcurrencyLimiter(deps.db),
        limits=step_limits(deps.settings.statemachines_dir),
    )


def service_integrations(deps: Deps, invoker: LambdaInvoker) -> list[Integration]:
    """Task resources beyond Lambda that the embedded runtime provides (SQS, task tokens)."""
    from sluiceway.adapters.postgres.queue import QueueAdmin
    from sluiceway.adapters.postgres.tokens import PostgresTaskTokens
    from sluiceway.runtime.local.callbacks import (
        LambdaInvokeWaitForTaskToken,
        SqsSendMessage,
        SqsSendMessageWaitForTaskToken,
    )

    admin = QueueAdmin(deps.db)
    tokens = PostgresTaskTokens(deps.db)
    return [
        SqsSendMessage(admin),
        SqsSendMessageWaitForTaskToken(admin, tokens),
        LambdaInvokeWaitForTaskToken(invoker, tokens),
    ]


def load_pipeline(registry: FunctionRegistry, path: Any) -> StateMachine:
    """Parse a state machine file with every ``${XFunctionArn}`` replaced by a local ARN."""
    text = substitute_function_arns(path.read_text(encoding="utf-8"), registry.arns())
    return StateMachine.parse(text)


class Worker:
    def __init__(
        self,
        deps: Deps,
        registry: FunctionRegistry,
        invoker: LambdaInvoker,
        *,
        owner: str | None = None,
    ) -> None:
        self.deps = deps
        self.settings = deps.settings
        self.registry = registry
        self.invoker = invoker
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.capacity = self.settings.tasks_per_worker
        self._machines: dict[str, StateMachine] = {}
        self.integrations = service_integrations(deps, invoker)
        # Where state machines' s3:getObject reads (ItemReader): .sluiceway/bucket/<bucket>/.
        self.buckets = LocalBuckets(self.settings.bucket_dir.parent)

    def machine(self, pipeline: str) -> StateMachine:
        if pipeline not in self._machines:
            path = self.settings.statemachines_dir / f"{pipeline}.asl.json"
            if not path.is_file():
                raise FileNotFoundError(f"no state machine {path}")
            self._machines[pipeline] = load_pipeline(self.registry, path)
        return self._machines[pipeline]

    async def execute(self, row: dict[str, Any]) -> str:
        """Run one task's execution to its end and record the status; returns it."""
        store = self.deps.store
        task_id = row["id"]
        try:
            machine = self.machine(row["pipeline"])
        except Exception as exc:
            await asyncio.to_thread(
                store.finish_task, task_id, self.owner, "FAILED", "PipelineNotFound", str(exc)
            )
            return "FAILED"
        listener = (
            HistoryRecorder(store, task_id, row["executions"])
            if self.settings.record_history
            else None
        )
        executor = Executor(
            machine,
            self.invoker,
            listener=listener,
            integrations=self.integrations,
            object_store=self.buckets,
        )
        found = await asyncio.to_thread(
            store.load_checkpoints, task_id, first_execution=row["executions"] == 1
        )
        redrive = await self._continuation(row)
        token = store.use_checkpoints(task_id, found)
        try:
            result = await executor.run(
                row["input"],
                execution_name=task_id,
                redrive_count=row.get("redrives", 0),
                redrive=redrive,
            )
        finally:
            store.forget_checkpoints(token)
        status = "SUCCEEDED" if result.status == "SUCCEEDED" else "FAILED"
        error = result.error if status == "FAILED" else None
        cause = readable_cause(result.cause) if status == "FAILED" else None
        await asyncio.to_thread(store.finish_task, task_id, self.owner, status, error, cause)
        return status

    async def _continuation(self, row: dict[str, Any]) -> Redrive | None:
        """Where the execution goes on from its history, if it does: a redrive (``tasks
        redrive``) goes on from the unsuccessful states (``ExecutionRedriven``); an execution
        whose worker died (the task was reclaimed) goes on, without a new event, from the states
        it had finished. A first execution or a retry starts afresh; so does every execution
        without a history (SLUICEWAY_RECORD_HISTORY=0), its finished steps from checkpoints."""
        redriving = bool(row.get("redrive_pending"))
        if not (redriving or row.get("reclaimed")):
            return None
        rows = await asyncio.to_thread(self.deps.store.execution_history, row["id"])
        if not rows or (not redriving and rows[-1]["type"] in EXECUTION_ENDS):
            return None
        try:
            redrive = Redrive.from_history(as_events(rows), check_end=False)
        except ExecutionNotRedrivable:
            return None
        return dataclasses.replace(redrive, redrive_count=row["redrives"], announce=redriving)

    async def run(self, *, stop: StopSignal | None = None, until_idle: bool = False) -> None:
        """Claim and run tasks until ``stop`` is set (then finish what is running), or, with
        ``until_idle``, until nothing is left to claim."""
        store = self.deps.store
        own_writer = store.writer is None
        if own_writer:
            store.writer = GroupCommitWriter(self.deps.db)
        try:
            await self._run(stop, until_idle)
        finally:
            if own_writer and store.writer is not None:
                store.writer.close()
                store.writer = None

    async def _run(self, stop: StopSignal | None, until_idle: bool) -> None:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(max_workers=self.capacity * 2 + 4))
        store = self.deps.store
        lease = self.settings.lease_seconds
        running: dict[str, asyncio.Task[str]] = {}
        last_renewal = time.monotonic()
        last_sweep = float("-inf")
        while True:
            stopping = stop is not None and stop.is_set()
            claimed = []
            free = self.capacity - len(running)
            if free > 0 and not stopping:
                if time.monotonic() - last_sweep > lease:
                    # Tasks whose workers keep dying are ended, not reclaimed forever.
                    await asyncio.to_thread(
                        store.fail_exhausted_tasks, self.settings.max_executions
                    )
                    last_sweep = time.monotonic()
                claimed = await asyncio.to_thread(store.claim_tasks, self.owner, free, lease)
                for row in claimed:
                    running[row["id"]] = asyncio.create_task(self.execute(row), name=row["id"])
            if not running and (stopping or (until_idle and not claimed)):
                return
            if running:
                done, _ = await asyncio.wait(
                    running.values(),
                    timeout=self.settings.poll_seconds,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                for finished in done:
                    del running[finished.get_name()]
                    exc = finished.exception()
                    if isinstance(exc, Exception):
                        # The execution could not record its end (the database went away, say):
                        # the lease expires and another claim resumes it from its checkpoints.
                        log.error("task %s: %s", finished.get_name(), exc, exc_info=exc)
                    elif exc is not None:
                        raise exc
            else:
                await asyncio.sleep(self.settings.poll_seconds)
            if running and time.monotonic() - last_renewal > lease / 3:
                await asyncio.to_thread(store.renew_leases, self.owner, list(running), lease)
                last_renewal = time.monotonic()
