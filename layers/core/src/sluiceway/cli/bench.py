"""``sluiceway bench``: throughput of the embedded runtime, every step durable."""

from __future__ import annotations

import argparse
import json
import sys

from sluiceway.runtime.local.bench import run_bench
from sluiceway.settings import get_settings


def main(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    settings = get_settings()
    with Progress(
        "[bold]bench",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        bar = progress.add_task("bench", total=args.tasks)
        result = run_bench(
            settings,
            tasks=args.tasks,
            latency_ms=args.latency_ms,
            in_flight=args.in_flight,
            workers=args.workers,
            on_progress=lambda done, total: progress.update(bar, completed=done, total=total),
        )
    if args.json:
        print(json.dumps(result.as_dict()))
    else:
        for key, value in result.as_dict().items():
            print(f"{key:>22}: {value}")
    if result.failed:
        print(f"sluiceway bench: {result.failed} task(s) failed", file=sys.stderr)
        return 1
    return 0
