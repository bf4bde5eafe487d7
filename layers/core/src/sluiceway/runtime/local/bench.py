"""``sluiceway bench``: the ``bench`` pipeline on the embedded runtime with full durability.

Every step's result is committed before its successor starts; ``fsync`` and
``synchronous_commit`` stay on (checked and reported). The run uses its own database on the
embedded server, created afresh, so figures do not depend on earlier runs.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import psutil
import psycopg

from sluiceway.adapters.postgres.db import connect, migrate
from sluiceway.runtime.deps import database_url
from sluiceway.runtime.local.runner import WorkerPool

if TYPE_CHECKING:
    from collections.abc import Callable

    from sluiceway.settings import Settings

BENCH_DB = "sluiceway_bench"


@dataclass(frozen=True)
class BenchResult:
    tasks: int
    seconds: float
    tasks_per_minute: float
    p50_ms: float
    p99_ms: float
    transactions_per_task: float
    cpu_percent: float
    cpu_ms_per_task: float
    worker_cpu_ms_per_task: float
    postgres_cpu_ms_per_task: float
    latency_ms: float
    in_flight: int
    workers: int
    failed: int
    fsync: str
    synchronous_commit: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def with_database(url: str, name: str) -> str:
    base, sep, query = url.partition("?")
    head = base.rsplit("/", 1)[0]
    return f"{head}/{name}{sep}{query}"


def _fresh_database(server_url: str) -> str:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    url = with_database(server_url, BENCH_DB)
    migrate(url)
    return url


def _commits(conn: psycopg.Connection[Any]) -> int:
    conn.execute("SELECT pg_stat_clear_snapshot()")
    row = conn.execute(
        "SELECT xact_commit FROM pg_stat_database WHERE datname = %s", (BENCH_DB,)
    ).fetchone()
    return int(row["xact_commit"]) if row else 0


def _cpu_seconds(pids: list[int]) -> tuple[float, float]:
    """User + system CPU of the workers, and of every postgres process (the whole server)."""

    def used(procs: list[psutil.Process]) -> float:
        total = 0.0
        for proc in procs:
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                continue
        return total

    workers = [psutil.Process(p) for p in pids if psutil.pid_exists(p)]
    postgres = [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]
    return used(workers), used(postgres)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def run_bench(
    settings: Settings,
    *,
    tasks: int = 2000,
    latency_ms: float = 0.0,
    in_flight: int = 100,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> BenchResult:
    # One worker more than cores: while one waits on a commit or the GIL, the cores stay busy
    # (measured: 3 workers on 2 cores ~25 % faster than 2).
    workers = workers or (os.cpu_count() or 1) + 1
    per_worker = max(1, in_flight // workers)  # never more than `in_flight` in total
    server_url, server = database_url(settings)
    try:
        url = _fresh_database(server_url)
        pool = WorkerPool(
            settings,
            url,
            workers,
            extra_env={
                # Execution history is observability, not durability: the bench measures the
                # checkpointed steps alone (set SLUICEWAY_RECORD_HISTORY to include it).
                "SLUICEWAY_TASKS_PER_WORKER": str(per_worker),
                "SLUICEWAY_RECORD_HISTORY": os.environ.get("SLUICEWAY_RECORD_HISTORY", "false"),
            },
        ).start()
        try:
            pool.wait_ready()
            with connect(url) as conn:
                conn.autocommit = True
                fsync = conn.execute("SHOW fsync").fetchone()["fsync"]  # type: ignore[index]
                sync = conn.execute("SHOW synchronous_commit").fetchone()["synchronous_commit"]  # type: ignore[index]
                commits_before = _commits(conn)
                cpu_before = _cpu_seconds(pool.pids)
                started = time.monotonic()
                with conn.cursor().copy(
                    "COPY tasks (id, tenant_id, pipeline, input) FROM STDIN"
                ) as copy:
                    for n in range(tasks):
                        task_id = f"bench-{n:07d}"
                        copy.write_row(
                            (
                                task_id,
                                "bench",
                                "bench",
                                f'{{"task_id": "{task_id}", "n": {n}, "latency_ms": {latency_ms}}}',
                            )
                        )
                conn.execute("SELECT pg_notify('sluiceway_tasks', 'bench')")
                while True:
                    row = conn.execute(
                        "SELECT count(*) FILTER (WHERE status IN ('SUCCEEDED', 'FAILED')) AS done,"
                        " count(*) FILTER (WHERE status = 'FAILED') AS failed FROM tasks"
                    ).fetchone()
                    assert row is not None
                    if on_progress:
                        on_progress(int(row["done"]), tasks)
                    if row["done"] >= tasks:
                        break
                    pool.check()
                    time.sleep(0.05)
                seconds = time.monotonic() - started
                worker_cpu, postgres_cpu = (
                    after - before
                    for after, before in zip(_cpu_seconds(pool.pids), cpu_before, strict=True)
                )
                cpu = worker_cpu + postgres_cpu
                latencies = [
                    float(r["ms"])
                    for r in conn.execute(
                        "SELECT extract(epoch FROM finished_at - created_at) * 1000 AS ms FROM tasks"
                    )
                ]
                time.sleep(1.1)  # backends report their commit counts within a second
                commits = _commits(conn) - commits_before
        finally:
            pool.stop()
    finally:
        if server is not None:
            server.stop()
    return BenchResult(
        tasks=tasks,
        seconds=round(seconds, 3),
        tasks_per_minute=round(tasks / seconds * 60, 1),
        p50_ms=round(_percentile(latencies, 0.50), 1),
        p99_ms=round(_percentile(latencies, 0.99), 1),
        transactions_per_task=round(commits / tasks, 2),
        cpu_percent=round(cpu / seconds / (os.cpu_count() or 1) * 100, 1),
        cpu_ms_per_task=round(cpu / tasks * 1000, 2),
        worker_cpu_ms_per_task=round(worker_cpu / tasks * 1000, 2),
        postgres_cpu_ms_per_task=round(postgres_cpu / tasks * 1000, 2),
        latency_ms=latency_ms,
        in_flight=per_worker * workers,
        workers=workers,
        failed=int(row["failed"]),
        fsync=str(fsync),
        synchronous_commit=str(sync),
    )
