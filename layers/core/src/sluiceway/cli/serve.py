"""``sluiceway serve``: run until Ctrl-C (or SIGTERM), reporting progress as it changes."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import TYPE_CHECKING

from sluiceway.runtime.local.http import AddressInUse
from sluiceway.runtime.local.serve import serve
from sluiceway.settings import get_settings

if TYPE_CHECKING:
    from sluiceway.runtime.local.runner import LocalRuntime


def main(args: argparse.Namespace) -> int:
    settings = get_settings()
    if args.inbox is not None:
        settings.inbox = args.inbox
    stop = threading.Event()

    def on_signal(_signum: int, _frame: object) -> None:
        print("stopping: finishing running tasks...", file=sys.stderr, flush=True)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    last: dict[str, int] | None = None

    def on_tick(runtime: LocalRuntime) -> None:
        nonlocal last
        counts = runtime.deps.store.all_status_counts()
        if counts != last:
            last = counts
            line = ", ".join(f"{n} {status.lower()}" for status, n in sorted(counts.items()))
            print(f"tasks: {line or 'none yet'}", file=sys.stderr, flush=True)

    print(
        f"sluiceway serve: drop files in {settings.inbox_dir.resolve()} (a sub-folder names the "
        f"tenant); Ctrl-C to stop",
        file=sys.stderr,
        flush=True,
    )
    try:
        serve(
            settings,
            stop,
            workers=args.workers,
            on_tick=on_tick,
            tick_seconds=1.0,
            api_host=args.host,
            api_port=args.port,
        )
    except AddressInUse as exc:
        print(f"sluiceway serve: {exc} (choose another with --port)", file=sys.stderr)
        return 2
    print("stopped", file=sys.stderr)
    return 0
