"""``sluiceway statemachine validate|run``: no database, no litellm, no boto3 on this path.

``run`` prints exactly one JSON object ``{"status", "output", "error", "cause"}`` and exits 0 for
SUCCEEDED, 1 for any other end, 2 for an invalid definition, input or ``--lambda`` mapping.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from sluiceway.asl import AslValidationError, Executor, StateMachine, validate


def _load_definition(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _load_handler(spec: str) -> tuple[str, Any]:
    """``NAME=PYFILE:FUNCTION`` -> (name, callable)."""
    name, sep, target = spec.partition("=")
    file, sep2, func = target.rpartition(":")
    if not (sep and sep2 and name and file and func):
        raise ValueError(f"--lambda expects NAME=PYFILE:FUNCTION, got {spec!r}")
    path = Path(file)
    module_spec = importlib.util.spec_from_file_location(f"_sluiceway_lambda_{name}", path)
    if module_spec is None or module_spec.loader is None or not path.is_file():
        raise ValueError(f"--lambda {name}: cannot load {file}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    handler = getattr(module, func, None)
    if not callable(handler):
        raise ValueError(f"--lambda {name}: {file} has no function {func!r}")
    return name, handler


def _fail_usage(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def main(args: argparse.Namespace) -> int:
    try:
        text = _load_definition(args.definition)
    except OSError as exc:
        return _fail_usage(f"cannot read {args.definition}: {exc}")
    if args.action == "validate":
        try:
            problems = validate(text)
        except ValueError as exc:
            problems = [str(exc)]
        if problems:
            for problem in problems:
                print(problem, file=sys.stderr)
            return 2
        print(f"{args.definition}: valid")
        return 0

    from sluiceway.runtime.local.functions import MappedLambdaInvoker

    try:
        machine = StateMachine.parse(text)
    except AslValidationError as exc:
        return _fail_usage("\n".join(exc.problems))
    except ValueError as exc:
        return _fail_usage(f"invalid definition: {exc}")
    try:
        execution_input = json.loads(args.input)
    except ValueError as exc:
        return _fail_usage(f"--input is not valid JSON: {exc}")
    try:
        handlers = dict(_load_handler(spec) for spec in args.lambdas)
    except ValueError as exc:
        return _fail_usage(str(exc))
    buckets = None
    if args.buckets is not None:
        if not args.buckets.is_dir():
            return _fail_usage(f"--buckets {args.buckets}: not a directory")
        from sluiceway.adapters.local.buckets import LocalBuckets

        buckets = LocalBuckets(args.buckets)
    executor = Executor(machine, MappedLambdaInvoker(handlers), object_store=buckets)
    result = asyncio.run(executor.run(execution_input, execution_name="local"))
    sys.stdout.write(
        json.dumps(
            {
                "status": result.status,
                "output": result.output,
                "error": result.error,
                "cause": result.cause,
            }
        )
        + "\n"
    )
    return 0 if result.status == "SUCCEEDED" else 1
