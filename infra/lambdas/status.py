"""Step Functions execution status changes (EventBridge) -> the task row, kept thin.

In the embedded runtime the workers record a task's status; on AWS the executions run on Step
Functions, so this function does: ``RUNNING`` when an execution starts (or is redriven), then
``SUCCEEDED``, ``FAILED`` (failed or timed out) or ``CANCELLED`` (aborted) when it ends. An error
the pipeline recorded itself (``RecordFailure``) wins over the execution's. It also publishes the
task's model cost (the sum of its checkpoints) as the metric ``ModelCostUSD`` (CloudWatch
embedded metric format), which the model-spend alarm watches.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import psycopg

from sluiceway.adapters.aws.sfn import task_of_execution
from sluiceway.adapters.postgres.db import connect
from sluiceway.runtime.deps import database_url
from sluiceway.settings import Settings

FINAL = {
    "SUCCEEDED": "SUCCEEDED",
    "FAILED": "FAILED",
    "TIMED_OUT": "FAILED",
    "ABORTED": "CANCELLED",
}
DEFAULT_ERRORS = {"TIMED_OUT": "States.Timeout", "ABORTED": "ExecutionAborted"}

START = """
UPDATE tasks SET status = 'RUNNING', started_at = coalesce(started_at, clock_timestamp()),
    executions = executions + 1, finished_at = NULL
WHERE id = %(id)s AND (status = 'PENDING' OR (%(redrive)s AND status = 'FAILED'))
"""
FINISH = """
UPDATE tasks
SET status = %(status)s,
    error = CASE WHEN %(status)s = 'SUCCEEDED' THEN NULL ELSE coalesce(error, %(error)s) END,
    cause = CASE WHEN %(status)s = 'SUCCEEDED' THEN NULL ELSE coalesce(cause, %(cause)s) END,
    finished_at = clock_timestamp(), redrive_pending = false
WHERE id = %(id)s AND status IN ('PENDING', 'RUNNING')
"""
EVENT = """
INSERT INTO task_events (task_id, kind, detail) VALUES (%(id)s, %(kind)s, %(detail)s::jsonb)
"""
COST = "SELECT coalesce(sum(cost_usd), 0) AS cost FROM step_checkpoints WHERE task_id = %(id)s"

_conn: psycopg.Connection[Any] | None = None


def _connection() -> psycopg.Connection[Any]:
    global _conn
    if _conn is None or _conn.closed:
        url, _ = database_url(Settings())
        _conn = connect(url)
    return _conn


def record(conn: psycopg.Connection[Any], detail: dict[str, Any]) -> dict[str, Any]:
    """Apply one status change to the task named by the execution; returns what was done."""
    task_id, status = task_of_execution(str(detail["name"])), str(detail["status"])
    with conn.transaction():
        if status == "RUNNING":
            redrive = int(detail.get("redriveCount") or 0) > 0
            changed = conn.execute(START, {"id": task_id, "redrive": redrive}).rowcount
            return {"task_id": task_id, "status": "RUNNING", "changed": bool(changed)}
        final = FINAL[status]
        error = detail.get("error") or DEFAULT_ERRORS.get(status)
        params = {"id": task_id, "status": final, "error": error, "cause": detail.get("cause")}
        changed = conn.execute(FINISH, params).rowcount
        if changed:
            kind = {"SUCCEEDED": "task.succeeded", "CANCELLED": "task.cancelled"}.get(
                final, "task.failed"
            )
            conn.execute(
                EVENT, {"id": task_id, "kind": kind, "detail": json.dumps({"error": error})}
            )
        row = conn.execute(COST, {"id": task_id}).fetchone()
    cost = float(row["cost"]) if row else 0.0
    return {"task_id": task_id, "status": final, "changed": bool(changed), "cost": cost}


def metric_line(pipeline: str, result: dict[str, Any], now_ms: int) -> str:
    """One CloudWatch embedded-metric-format record of the task's model cost."""
    namespace = os.environ.get("SLUICEWAY_METRICS_NAMESPACE", "Sluiceway")
    return json.dumps(
        {
            "_aws": {
                "Timestamp": now_ms,
                "CloudWatchMetrics": [
                    {
                        "Namespace": namespace,
                        "Dimensions": [["Pipeline"], []],
                        "Metrics": [{"Name": "ModelCostUSD", "Unit": "None"}],
                    }
                ],
            },
            "Pipeline": pipeline,
            "ModelCostUSD": result["cost"],
            "task_id": result["task_id"],
            "status": result["status"],
        }
    )


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001
    detail = event["detail"]
    global _conn
    try:
        result = record(_connection(), detail)
    except psycopg.OperationalError:
        _conn = None  # a dropped connection: retry once on a new one
        result = record(_connection(), detail)
    if "cost" in result and result["changed"]:
        pipeline = str(detail["stateMachineArn"]).rsplit(":", 1)[-1]
        sys.stdout.write(metric_line(pipeline, result, int(time.time() * 1000)) + "\n")
    return result
