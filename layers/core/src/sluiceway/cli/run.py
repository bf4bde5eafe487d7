"""``sluiceway run PATH...``: submit files as tasks and run them all to completion."""

from __future__ import annotations

import argparse
import sys
import time

from sluiceway.cli.output import print_json_lines, print_table
from sluiceway.runtime.local.runner import LocalRuntime, collect_files
from sluiceway.settings import get_settings


def main(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    settings = get_settings()
    try:
        files = collect_files(args.paths)
    except FileNotFoundError as exc:
        print(f"sluiceway run: {exc}", file=sys.stderr)
        return 2
    if not files:
        print("sluiceway run: no files to process", file=sys.stderr)
        return 2
    pipeline_file = settings.statemachines_dir / f"{args.pipeline}.asl.json"
    if not pipeline_file.is_file():
        print(f"sluiceway run: no pipeline {pipeline_file}", file=sys.stderr)
        return 2
    err = Console(stderr=True)
    started = time.monotonic()
    with LocalRuntime(settings) as runtime:
        ids = [runtime.submit_file(f, pipeline=args.pipeline, tenant=args.tenant) for f in files]
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("tasks · {task.fields[steps]} steps done"),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        ) as progress:
            bar = progress.add_task("processing", total=len(ids), steps=0)

            def on_progress(done: int, total: int, steps: int) -> None:
                progress.update(bar, completed=done, total=total, steps=steps)

            tasks = runtime.run_until_done(ids, workers=args.workers, on_progress=on_progress)
    elapsed = time.monotonic() - started
    failed = [t for t in tasks if t.status != "SUCCEEDED"]
    if args.json:
        print_json_lines(tasks)
    else:
        print_table(tasks)
        err.print(
            f"{len(tasks) - len(failed)} succeeded, {len(failed)} failed "
            f"in {elapsed:.1f}s ({len(tasks) / elapsed * 60:.0f} tasks/min)"
        )
    return 1 if failed else 0
