"""One tenant's burst cannot starve another tenant's tasks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sluiceway.runtime.deps import Deps
from tests.integration.helpers import run_worker

pytestmark = pytest.mark.integration


def test_a_single_task_is_not_starved_by_another_tenants_burst(deps: Deps, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "functions").mkdir(parents=True)
    (project / "statemachines").mkdir()
    (project / "statemachines" / "quick.asl.json").write_text(
        json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
    )
    deps.settings.project_dir = project
    store = deps.store
    for i in range(500):
        store.create_task(f"burst-{i:03d}", "tenant-a", "quick", {"n": i}, None)
    store.create_task("lonely", "tenant-b", "quick", {"n": 0}, None)

    run_worker(deps)

    finished = sorted(
        store.get_tasks([f"burst-{i:03d}" for i in range(500)] + ["lonely"]),
        key=lambda t: (t.finished_at, t.id),
    )
    assert all(t.status == "SUCCEEDED" for t in finished)
    position = [t.id for t in finished].index("lonely")
    # Without fairness it would finish last (501st); with it, in the first claim round.
    assert position < 2 * deps.settings.tasks_per_worker
