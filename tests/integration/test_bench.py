"""A small smoke run of `sluiceway bench`: the figures' shape and sanity, not their values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_bench_runs_every_step_durably_and_reports_json(tmp_path: Path) -> None:
    env = {**os.environ, "SLUICEWAY_HOME": str(tmp_path / "home"), "SLUICEWAY_WORKERS": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sluiceway",
            "bench",
            "--tasks",
            "50",
            "--in-flight",
            "10",
            "--json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["tasks"] == 50 and result["failed"] == 0
    assert (result["fsync"], result["synchronous_commit"]) == ("on", "on")
    assert result["tasks_per_minute"] > 0 and result["p99_ms"] >= result["p50_ms"] > 0
    assert result["transactions_per_task"] > 0
    for key in ("seconds", "cpu_percent", "worker_cpu_ms_per_task", "postgres_cpu_ms_per_task"):
        assert key in result
