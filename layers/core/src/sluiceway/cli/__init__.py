"""The ``sluiceway`` command. Each sub-command lives in its own module, imported only when used,
so ``sluiceway statemachine run`` starts without loading litellm, psycopg or boto3."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

COMMANDS = {
    "run": "sluiceway.cli.run",
    "bench": "sluiceway.cli.bench",
    "serve": "sluiceway.cli.serve",
    "tasks": "sluiceway.cli.tasks",
    "queues": "sluiceway.cli.queues",
    "dlq": "sluiceway.cli.queues",
    "db": "sluiceway.cli.db",
    "invoke": "sluiceway.cli.invoke",
    "search": "sluiceway.cli.search",
    "apikey": "sluiceway.cli.apikey",
    "statemachine": "sluiceway.cli.statemachine",
    "plan": "sluiceway.cli.plan",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sluiceway",
        description="AI document pipelines as Amazon States Language state machines.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser("run", help="process files to completion on the embedded runtime")
    run.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    run.add_argument("--json", action="store_true", help="print one JSON object per task")
    run.add_argument(
        "--pipeline", default="document", help="state machine (statemachines/NAME.asl.json)"
    )
    run.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: SLUICEWAY_WORKERS)"
    )
    run.add_argument("--tenant", default=None, help="tenant id (default: SLUICEWAY_TENANT)")

    serve = sub.add_parser(
        "serve", help="run workers, queue consumers and the inbox watcher until stopped"
    )
    serve.add_argument("--workers", type=int, default=None, help="worker processes")
    serve.add_argument(
        "--inbox", type=Path, default=None, help="folder to watch (default HOME/inbox)"
    )
    serve.add_argument("--host", default=None, help="HTTP API address (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=None, help="HTTP API port (default 8787; 0: any free port)"
    )

    bench = sub.add_parser("bench", help="measure throughput on the bench pipeline (durable)")
    bench.add_argument("--tasks", type=int, default=2000, help="tasks to run (default 2000)")
    bench.add_argument("--latency-ms", type=float, default=0.0, help="simulated model latency")
    bench.add_argument("--in-flight", type=int, default=100, help="executions in flight in total")
    bench.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: cores + 1)"
    )
    bench.add_argument("--json", action="store_true", help="print one JSON object")

    tasks = sub.add_parser("tasks", help="list, show, retry, redrive or cancel tasks")
    tsub = tasks.add_subparsers(dest="action", metavar="ACTION", required=True)
    tlist = tsub.add_parser("list", help="recent tasks")
    tlist.add_argument(
        "--status", choices=["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"]
    )
    tlist.add_argument("--limit", type=int, default=50)
    tlist.add_argument("--tenant", default=None)
    tlist.add_argument("--json", action="store_true")
    tshow = tsub.add_parser("show", help="one task with its steps and events")
    tshow.add_argument("task_id")
    tshow.add_argument("--json", action="store_true")
    tretry = tsub.add_parser(
        "retry", help="run a failed or interrupted task again from its last completed step"
    )
    tretry.add_argument("task_ids", nargs="+", metavar="TASK_ID")
    tretry.add_argument("--json", action="store_true")
    tredrive = tsub.add_parser(
        "redrive",
        help="go on from the unsuccessful states of a failed or cancelled task's execution, "
        "like RedriveExecution (a failure caught into a Fail state fails again)",
    )
    tredrive.add_argument("task_ids", nargs="+", metavar="TASK_ID")
    tredrive.add_argument("--json", action="store_true")
    thistory = tsub.add_parser(
        "history", help="execution history events (like GetExecutionHistory)"
    )
    thistory.add_argument("task_id")
    thistory.add_argument("--execution", type=int, default=None, help="one execution (1 = first)")
    tcancel = tsub.add_parser("cancel", help="cancel a pending or running task")
    tcancel.add_argument("task_id")

    queues = sub.add_parser("queues", help="depth, in flight and dead letters of each queue")
    queues.add_argument("--json", action="store_true")
    dlq = sub.add_parser("dlq", help="dead-letter queues")
    dlq_sub = dlq.add_subparsers(dest="action", metavar="ACTION", required=True)
    redrive = dlq_sub.add_parser("redrive", help="move messages back to the queue they came from")
    redrive.add_argument("queue", help="the dead-letter queue (e.g. ingest-dlq)")
    redrive.add_argument("--to", default=None, help="another destination queue")
    redrive.add_argument("--max-per-second", type=float, default=None, help="rate limit")

    db = sub.add_parser("db", help="database maintenance")
    dsub = db.add_subparsers(dest="action", metavar="ACTION", required=True)
    dsub.add_parser("migrate", help="apply schema migrations")
    dsub.add_parser("url", help="print the database URL (starts the embedded server if needed)")

    invoke = sub.add_parser("invoke", help="invoke one function's handler with an event file")
    invoke.add_argument("function", help="folder name under functions/ (e.g. extract)")
    invoke.add_argument("--event", type=Path, required=True, help="JSON event file (see events/)")
    invoke.add_argument(
        "--put",
        action="append",
        default=[],
        metavar="KEY=FILE",
        help="first copy FILE into the local bucket at KEY (repeatable)",
    )

    search = sub.add_parser("search", help="semantic search over the chunks of processed documents")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=5)
    search.add_argument("--tenant", default=None)
    search.add_argument("--json", action="store_true")

    apikey = sub.add_parser("apikey", help="API keys of the HTTP API (one tenant per key)")
    asub = apikey.add_subparsers(dest="action", metavar="ACTION", required=True)
    acreate = asub.add_parser("create", help="create a key for TENANT and print it (once)")
    acreate.add_argument("tenant")
    acreate.add_argument("--name", default=None, help="a label, to tell keys apart")

    sm = sub.add_parser("statemachine", help="validate or run an ASL definition (no database)")
    ssub = sm.add_subparsers(dest="action", metavar="ACTION", required=True)
    sval = ssub.add_parser("validate", help="check a definition; exit 2 when invalid")
    sval.add_argument("definition", type=Path)
    srun = ssub.add_parser("run", help="run a definition in memory and print its result as JSON")
    srun.add_argument("definition", type=Path)
    srun.add_argument("--input", default="{}", help="execution input (JSON)")
    srun.add_argument(
        "--lambda",
        dest="lambdas",
        action="append",
        default=[],
        metavar="NAME=PYFILE:FUNCTION",
        help="map a Lambda function name to a Python handler (repeatable)",
    )
    srun.add_argument(
        "--buckets",
        type=Path,
        default=None,
        metavar="DIR",
        help="where s3:getObject reads (Distributed Map ItemReader): DIR/BUCKET/KEY",
    )

    plan = sub.add_parser(
        "plan", help="capacity model on AWS: quotas, bottleneck and cost at a rate (no AWS calls)"
    )
    plan.add_argument(
        "--tasks-per-minute", type=float, metavar="N", help="tasks started per minute"
    )
    plan.add_argument("--json", action="store_true", help="print one JSON object")
    plan.add_argument("--avg-pages", type=float, metavar="P", help="pages per document (5)")
    plan.add_argument("--large-share", type=float, metavar="S", help="share on the large model")
    plan.add_argument("--workflow", choices=["standard", "express", "distributed"])
    plan.add_argument(
        "--definition", type=Path, default=None, help="ASL file (statemachines/document.asl.json)"
    )
    plan.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override any model parameter (repeatable; see --show-params)",
    )
    plan.add_argument("--show-params", action="store_true", help="list the parameters and exit")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command])
    try:
        code: int = module.main(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
