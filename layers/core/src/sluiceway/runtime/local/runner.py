"""The embedded runtime as a whole: the database, the local bucket, submissions, and a pool of
worker processes that run the executions. ``sluiceway run`` is a thin layer over this."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sluiceway.adapters.postgres.db import Database, migrate
from sluiceway.domain.tasks import TERMINAL, Task
from sluiceway.runtime.deps import Deps, database_url

if TYPE_CHECKING:
    from collections.abc import Callable
    from multiprocessing.process import BaseProcess

    from sluiceway.adapters.postgres.embedded import EmbeddedPostgres
    from sluiceway.settings import Settings

log = logging.getLogger("sluiceway.runtime")
MAX_WORKER_RESTARTS = 5


def worker_main(env: dict[str, str], stop: Any, ready: Any = None) -> None:
    """Entry point of a worker process (spawned: it shares nothing with its parent)."""
    os.environ.update(env)
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    from sluiceway.adapters.postgres.writer import GroupCommitWriter
    from sluiceway.runtime.deps import get_deps
    from sluiceway.runtime.local.worker import Worker, build_invoker

    deps = get_deps()
    deps.store.writer = GroupCommitWriter(deps.db)
    # Load the models (litellm takes seconds to import) before claiming work, so a task's
    # duration is its own.
    _ = deps.models
    invoker = build_invoker(deps)
    worker = Worker(deps, invoker.registry, invoker)
    if ready is not None:
        with ready.get_lock():
            ready.value += 1
    try:
        asyncio.run(worker.run(stop=stop))
    finally:
        deps.close()


class WorkerPool:
    """Worker processes running executions; a worker that dies is replaced (its tasks are
    claimed again when their lease expires and resume from their checkpoints)."""

    def __init__(
        self,
        settings: Settings,
        database_url: str,
        count: int,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.count = max(1, count)
        self._ctx = mp.get_context("spawn")
        self._stop = self._ctx.Event()
        self._env = {
            "DATABASE_URL": database_url,
            "SLUICEWAY_HOME": str(settings.home.resolve()),
            "SLUICEWAY_PROJECT_DIR": str(settings.project_root.resolve()),
            **(extra_env or {}),
        }
        self._procs: list[BaseProcess] = []
        self.restarts = 0
        self.ready = self._ctx.Value("i", 0)

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Block until every worker has started (imports done, connected, models loaded)."""
        deadline = time.monotonic() + timeout
        while self.ready.value < self.count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {self.ready.value} of {self.count} workers started")
            self.check()
            time.sleep(0.05)

    def _spawn(self) -> BaseProcess:
        proc = self._ctx.Process(
            target=worker_main, args=(self._env, self._stop, self.ready), daemon=True
        )
        proc.start()
        return proc

    def start(self) -> WorkerPool:
        self._procs = [self._spawn() for _ in range(self.count)]
        return self

    def check(self) -> None:
        """Replace dead workers; gives up after too many deaths (a crash loop)."""
        for i, proc in enumerate(self._procs):
            if not proc.is_alive() and not self._stop.is_set():
                if self.restarts >= MAX_WORKER_RESTARTS:
                    raise RuntimeError(f"worker processes keep dying (exit code {proc.exitcode})")
                log.warning("worker %s exited with %s; starting another", proc.pid, proc.exitcode)
                self.restarts += 1
                self._procs[i] = self._spawn()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs if p.pid is not None]

    def stop(self, timeout: float = 30.0) -> None:
        """Let workers finish what they are running, then end them."""
        self._stop.set()
        for proc in self._procs:
            proc.join(timeout=timeout)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)


def collect_files(paths: list[Path]) -> list[Path]:
    """Files named, and every file under folders named (hidden files skipped), in order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    return files


def submit_file(
    deps: Deps, path: Path, *, pipeline: str = "document", tenant: str | None = None
) -> str:
    """Copy the file into the bucket and create its task (PENDING). Returns the task id."""
    task_id = uuid.uuid4().hex
    tenant_id = tenant or deps.settings.tenant
    key = f"incoming/{task_id}/{path.name}"
    deps.objects.put(key, path.read_bytes())
    event = {
        "task_id": task_id,
        "tenant_id": tenant_id,
        "bucket": deps.objects.bucket,
        "key": key,
        "filename": path.name,
    }
    deps.store.create_task(task_id, tenant_id, pipeline, event, str(path))
    return task_id


class LocalRuntime:
    """Open with ``with LocalRuntime(settings) as rt:``; the embedded server stops on exit."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._server: EmbeddedPostgres | None = None
        self.url = ""
        self.deps: Deps

    def __enter__(self) -> LocalRuntime:
        self.url, self._server = database_url(self.settings)
        migrate(self.url)
        self.deps = Deps(self.settings, Database(self.url, max_size=4))
        return self

    def __exit__(self, *exc: object) -> None:
        self.deps.close()
        if self._server is not None:
            self._server.stop()

    def submit_file(
        self, path: Path, *, pipeline: str = "document", tenant: str | None = None
    ) -> str:
        return submit_file(self.deps, path, pipeline=pipeline, tenant=tenant)

    def run_until_done(
        self,
        task_ids: list[str],
        *,
        workers: int | None = None,
        on_progress: Callable[[int, int, int], None] | None = None,
        timeout: float | None = None,
    ) -> list[Task]:
        """Start worker processes, wait until every task is finished, stop them.
        ``on_progress(finished_tasks, total_tasks, finished_steps)`` is called as work advances."""
        store = self.deps.store
        count = min(workers or self.settings.workers, len(task_ids) or 1)
        pool = WorkerPool(self.settings, self.url, count).start()
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                counts = store.status_counts(task_ids)
                finished = sum(n for status, n in counts.items() if status in TERMINAL)
                if on_progress:
                    on_progress(finished, len(task_ids), store.finished_steps(task_ids))
                if finished >= len(task_ids):
                    break
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"{len(task_ids) - finished} tasks still running")
                pool.check()
                time.sleep(0.2)
        finally:
            pool.stop()
        return store.get_tasks(task_ids)
