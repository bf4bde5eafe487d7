"""`sluiceway serve`: a file dropped in the inbox becomes a finished task; per-step limits hold
across worker processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sluiceway.adapters.postgres.db import Database
from sluiceway.adapters.postgres.store import PostgresStateStore
from sluiceway.runtime.local.runner import LocalRuntime
from sluiceway.settings import Settings
from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.integration


def test_a_file_dropped_in_the_inbox_becomes_a_finished_task(
    database_url: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLUICEWAY_HOME": str(home),
        "SLUICEWAY_WORKERS": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "sluiceway", "serve", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    store = PostgresStateStore(Database(database_url))
    try:
        (home / "inbox" / "acme").mkdir(parents=True)
        # Written under a temporary name, then renamed, as a careful uploader does.
        shutil.copy(
            SAMPLES / "documents" / "invoice-fernhill-INV-88417.txt",
            home / "inbox" / "acme" / "inv.tmp",
        )
        (home / "inbox" / "acme" / "inv.tmp").rename(home / "inbox" / "acme" / "march invoice.txt")
        deadline = time.monotonic() + 90
        tasks = []
        while time.monotonic() < deadline:
            tasks = store.list_tasks("acme")
            if tasks and tasks[0].status in ("SUCCEEDED", "FAILED"):
                break
            time.sleep(0.2)
        assert tasks, "no task was created for the dropped file"
        [task] = tasks
        assert task.status == "SUCCEEDED", (task.error, task.cause)
        assert task.document_type == "invoice"
        assert task.input["key"].startswith("incoming/acme/")
        assert task.input["filename"] == "march invoice.txt"
        assert not any((home / "inbox").rglob("*.txt"))  # moved into the bucket
        assert (home / "bucket" / "documents" / task.input["key"]).is_file()
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
        store.db.close()
    assert proc.returncode == 0, err
    assert "tasks:" in err


def test_a_per_step_limit_holds_across_worker_processes(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    (project / "functions" / "slow").mkdir(parents=True)
    (project / "statemachines").mkdir()
    log = tmp_path / "calls.log"
    (project / "functions" / "slow" / "handler.py").write_text(
        "import os, time\n"
        "def lambda_handler(event, context):\n"
        f"    with open({str(log)!r}, 'a') as f:\n"
        "        f.write(f'start {time.time()}\\n')\n"
        "    time.sleep(0.15)\n"
        f"    with open({str(log)!r}, 'a') as f:\n"
        "        f.write(f'end {time.time()}\\n')\n"
        "    return {'pid': os.getpid()}\n"
    )
    (project / "statemachines" / "limited.asl.json").write_text(
        json.dumps(
            {
                "StartAt": "Slow",
                "States": {"Slow": {"Type": "Task", "Resource": "${SlowFunctionArn}", "End": True}},
            }
        )
    )
    monkeypatch.setenv("SLUICEWAY_MAX_CONCURRENCY_SLOW", "2")
    settings = Settings(home=tmp_path / "home", DATABASE_URL=database_url, project_dir=project)
    with LocalRuntime(settings) as runtime:
        ids = [f"t{i}" for i in range(12)]
        for task_id in ids:
            runtime.deps.store.create_task(task_id, "default", "limited", {}, None)
        tasks = runtime.run_until_done(ids, workers=2, timeout=120)
    assert all(t.status == "SUCCEEDED" for t in tasks), [(t.error, t.cause) for t in tasks]
    pids = {t.result for t in tasks}
    events = sorted(
        (float(stamp), 1 if kind == "start" else -1)
        for kind, stamp in (line.split() for line in log.read_text().splitlines())
    )
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    assert peak == 2, f"peak concurrency {peak}"
    assert len(pids) >= 1
