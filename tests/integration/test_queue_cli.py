"""`sluiceway queues` and `sluiceway dlq redrive` on the embedded runtime's queues."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sluiceway.adapters.postgres.db import Database
from sluiceway.adapters.postgres.queue import QueueAdmin, QueueConfig
from sluiceway.ports import OutgoingMessage
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def cli(args: list[str], database_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "SLUICEWAY_HOME": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "sluiceway", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_queues_report_depth_and_redrive_empties_the_dlq(database_url: str, tmp_path: Path) -> None:
    db = Database(database_url)
    admin = QueueAdmin(db)
    admin.ensure(QueueConfig("work-dlq"))
    queue = admin.ensure(
        QueueConfig("work", max_receive_count=1, dead_letter_queue="work-dlq", visibility_timeout=0)
    )
    queue.send_batch([OutgoingMessage("a"), OutgoingMessage("b"), OutgoingMessage("c")])
    queue.receive(1)  # received once: the next receive moves it to the dead-letter queue
    queue.receive(1)
    db.close()

    listed = cli(["queues", "--json"], database_url, tmp_path)
    assert listed.returncode == 0, listed.stderr
    [row] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row["name"] == "work" and row["dead_letter_queue"] == "work-dlq"
    assert row["dead_letters"] >= 1
    assert row["visible"] + row["in_flight"] + row["dead_letters"] == 3

    redriven = cli(
        ["dlq", "redrive", "work-dlq", "--max-per-second", "100"], database_url, tmp_path
    )
    assert redriven.returncode == 0, redriven.stderr
    assert f"moved {row['dead_letters']} message(s)" in redriven.stdout
    after = json.loads(cli(["queues", "--json"], database_url, tmp_path).stdout)
    assert after["dead_letters"] == 0

    missing = cli(["dlq", "redrive", "nope"], database_url, tmp_path)
    assert missing.returncode == 1 and "no queue named 'nope'" in missing.stderr
