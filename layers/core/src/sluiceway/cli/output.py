"""Rendering tasks for people (rich tables) and for programs (JSON lines)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from sluiceway.domain.tasks import Task


def task_json(task: Task) -> dict[str, Any]:
    result = task.result or {}
    return {
        "task_id": task.id,
        "file": task.source_name,
        "status": task.status,
        "document_type": task.document_type,
        "error": task.error,
        "message": task.cause,
        "fields": result.get("fields"),
        "cost_usd": result.get("cost_usd"),
        "duration_seconds": task.duration_seconds,
        "steps": [
            {
                "name": s.name,
                "status": s.status,
                "started_at": s.started_at.isoformat() if s.started_at else None,
                "finished_at": s.finished_at.isoformat() if s.finished_at else None,
            }
            for s in task.steps
        ],
    }


def console(*, stderr: bool = False) -> Console:
    """A rich console; when the output is not a terminal (a pipe, a CI log) it is 120 columns
    wide instead of rich's 80, so tables keep file names and errors on one line."""
    from rich.console import Console

    out = Console(stderr=stderr)
    return out if out.is_terminal else Console(stderr=stderr, width=120)


def print_json_lines(tasks: list[Task]) -> None:
    for task in tasks:
        sys.stdout.write(json.dumps(task_json(task)) + "\n")


_STYLE = {"SUCCEEDED": "green", "FAILED": "red", "CANCELLED": "yellow", "RUNNING": "cyan"}


def print_table(tasks: list[Task], title: str | None = None) -> None:
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    table.add_column("file", no_wrap=True)
    table.add_column("status")
    table.add_column("type")
    table.add_column("steps", justify="right")
    table.add_column("duration", justify="right")
    table.add_column("error", overflow="fold")
    for task in tasks:
        done = sum(1 for s in task.steps if s.status in ("SUCCEEDED", "RESUMED"))
        duration = task.duration_seconds
        error = f"{task.error}: {task.cause}" if task.error else ""
        style = _STYLE.get(task.status, "")
        table.add_row(
            Path(task.source_name).name if task.source_name else task.id,
            f"[{style}]{task.status}[/]" if style else task.status,
            task.document_type or "",
            f"{done}/{len(task.steps)}",
            f"{duration:.2f}s" if duration is not None else "",
            error,
        )
    console().print(table)
