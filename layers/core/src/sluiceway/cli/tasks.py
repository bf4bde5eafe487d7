"""``sluiceway tasks list|show|retry|redrive|history|cancel``."""

from __future__ import annotations

import argparse
import json
import sys

from sluiceway.cli.output import print_json_lines, print_table, task_json
from sluiceway.runtime.local.runner import LocalRuntime
from sluiceway.settings import get_settings


def main(args: argparse.Namespace) -> int:
    settings = get_settings()
    with LocalRuntime(settings) as runtime:
        store = runtime.deps.store
        if args.action == "list":
            tasks = store.list_tasks(args.tenant or settings.tenant, args.status, args.limit)
            for listed in tasks:
                listed.steps = store.step_progress(listed.id)
            if args.json:
                print_json_lines(tasks)
            else:
                print_table(tasks)
            return 0
        if args.action == "show":
            task = store.get_task(args.task_id)
            if task is None:
                print(f"sluiceway tasks show: no task {args.task_id}", file=sys.stderr)
                return 1
            data = task_json(task)
            data["checkpoints"] = [
                {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
                for row in store.list_checkpoints(task.id)
            ]
            data["events"] = [
                {
                    "kind": e["kind"],
                    "step": e["step"],
                    "item": e["item"],
                    "at": e["at"].isoformat(),
                    **e["detail"],
                }
                for e in store.list_events(task.id)
            ]
            print(json.dumps(data, indent=None if args.json else 2, default=str))
            return 0
        if args.action == "history":
            from sluiceway.runtime.local.history import as_get_execution_history

            rows = store.execution_history(args.task_id, args.execution)
            if not rows:
                print(f"sluiceway tasks history: no history for {args.task_id}", file=sys.stderr)
                return 1
            print(json.dumps(as_get_execution_history(rows), indent=2, default=str))
            return 0
        if args.action == "cancel":
            if not store.cancel_task(args.task_id):
                print(
                    f"sluiceway tasks cancel: {args.task_id} is not pending or running",
                    file=sys.stderr,
                )
                return 1
            print(f"cancelled {args.task_id}")
            return 0
        # retry / redrive
        orchestrator = runtime.deps.orchestrator
        again = orchestrator.retry if args.action == "retry" else orchestrator.redrive
        missing = [
            t
            for t in args.task_ids
            if (task := store.get_task(t, with_steps=False)) is None or not again(task.pipeline, t)
        ]
        if missing:
            print(
                f"sluiceway tasks {args.action}: no {args.action}able task {', '.join(missing)} "
                "(only FAILED or CANCELLED tasks)",
                file=sys.stderr,
            )
            return 1
        tasks = runtime.run_until_done(list(args.task_ids))
        if args.json:
            print_json_lines(tasks)
        else:
            print_table(tasks)
        return 0 if all(t.status == "SUCCEEDED" for t in tasks) else 1
