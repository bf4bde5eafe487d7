"""A step is complete only once its checkpoint is committed: a commit that fails is the step's
failure (with the writes it deferred rolled back), inline or in a thread."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sluiceway.runtime.deps import Deps
from tests.integration.helpers import run_worker

pytestmark = pytest.mark.integration

HANDLER = """
from psycopg.types.json import Jsonb
from sluiceway.runtime.deps import get_deps
from sluiceway.runtime.durable import durable_step

def lambda_handler(event, context):
    deps = get_deps()

    def work():
        # Deferred into the checkpoint's transaction: this insert collides with an existing task.
        deps.store.defer(
            "insert_task", id=event["collide_with"], tenant_id="t", pipeline="p",
            input=Jsonb({}), source_name=None,
        )
        return {"done": True}

    return durable_step(deps.store, event["task_id"], "Collide", "", work)
"""


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "thread"])
def test_a_failed_commit_fails_the_step(deps: Deps, tmp_path: Path, inline: bool) -> None:
    project = tmp_path / "project"
    (project / "functions" / "collide").mkdir(parents=True)
    (project / "statemachines").mkdir()
    (project / "functions" / "collide" / "handler.py").write_text(HANDLER)
    (project / "functions" / "collide" / "function.json").write_text(json.dumps({"inline": inline}))
    (project / "statemachines" / "collide.asl.json").write_text(
        json.dumps(
            {
                "StartAt": "Collide",
                "States": {
                    "Collide": {"Type": "Task", "Resource": "${CollideFunctionArn}", "End": True}
                },
            }
        )
    )
    deps.settings.project_dir = project
    deps.store.create_task("existing", "t", "p", {}, None)
    deps.store.create_task(
        "victim", "t", "collide", {"task_id": "victim", "collide_with": "existing"}, None
    )

    run_worker(deps)

    task = deps.store.get_task("victim")
    assert task is not None
    assert (task.status, task.error) == ("FAILED", "UniqueViolation")
    assert deps.store.list_checkpoints("victim") == []  # nothing half-committed
