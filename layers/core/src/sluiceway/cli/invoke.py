"""``sluiceway invoke FUNCTION --event FILE``: run one handler as Lambda would, print its result."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sluiceway.asl import StatesError
from sluiceway.runtime.deps import set_deps
from sluiceway.runtime.local.functions import FunctionRegistry, LocalLambdaInvoker
from sluiceway.runtime.local.runner import LocalRuntime
from sluiceway.settings import get_settings


def main(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        event = json.loads(args.event.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"sluiceway invoke: cannot read {args.event}: {exc}", file=sys.stderr)
        return 2
    registry = FunctionRegistry(settings.functions_dir)
    with LocalRuntime(settings) as runtime:
        for spec in args.put:
            key, sep, file = spec.partition("=")
            if not (sep and key and file):
                print(f"sluiceway invoke: --put expects KEY=FILE, got {spec!r}", file=sys.stderr)
                return 2
            runtime.deps.objects.put(key, Path(file).read_bytes())
        if isinstance(event, dict) and isinstance(event.get("task_id"), str):
            tenant = event.get("tenant_id")
            runtime.deps.store.ensure_manual_task(
                event["task_id"], tenant if isinstance(tenant, str) else settings.tenant, event
            )
        set_deps(runtime.deps)
        try:
            result = LocalLambdaInvoker(registry).invoke_sync(args.function, event)
        except StatesError as exc:
            print(json.dumps({"errorType": exc.error, "cause": exc.cause}), file=sys.stdout)
            return 1
        finally:
            set_deps(None)
    print(json.dumps(result, indent=2))
    return 0
