"""``sluiceway queues`` and ``sluiceway dlq redrive QUEUE`` (the embedded runtime's queues)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from sluiceway.adapters.postgres.queue import QueueAdmin, QueueNotFound
from sluiceway.runtime.local.runner import LocalRuntime
from sluiceway.settings import get_settings


def main(args: argparse.Namespace) -> int:
    with LocalRuntime(get_settings()) as runtime:
        admin = QueueAdmin(runtime.deps.db)
        if args.command == "dlq":
            try:
                moved = admin.redrive(
                    args.queue, destination=args.to, max_per_second=args.max_per_second
                )
            except QueueNotFound as exc:
                print(f"sluiceway dlq redrive: {exc}", file=sys.stderr)
                return 1
            print(f"moved {moved} message(s) out of {args.queue}")
            return 0
        dead_letter_queues = {c.dead_letter_queue for c in admin.list() if c.dead_letter_queue}
        stats = [
            admin.get(c.name).stats() for c in admin.list() if c.name not in dead_letter_queues
        ]
    if args.json:
        for row in stats:
            print(json.dumps(asdict(row)))
        return 0
    from rich.table import Table

    from sluiceway.cli.output import console

    table = Table(title="queues")
    for column in ("queue", "visible", "in flight", "delayed", "dead-letter queue", "dead letters"):
        table.add_column(column, justify="left" if column.endswith("queue") else "right")
    for row in stats:
        table.add_row(
            row.name,
            str(row.visible),
            str(row.in_flight),
            str(row.delayed),
            row.dead_letter_queue or "",
            f"[red]{row.dead_letters}[/]" if row.dead_letters else "0",
        )
    console().print(table)
    return 0
