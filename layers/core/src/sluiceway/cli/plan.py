"""``sluiceway plan``: the capacity model of a pipeline on AWS at a given rate (docs/scaling.md).

For each resource: the demand, the default quota, the utilization; then the bottleneck (the first
resource to throttle), the quotas to raise and the cost per 1,000 tasks. Pure arithmetic: no AWS
calls, no database, no litellm, so it answers at once. ``--json`` prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from sluiceway.capacity import (
    CapacityParams,
    Plan,
    describe_params,
    load_definition,
    load_limits,
    plan,
    with_overrides,
)


def _number(x: float) -> str:
    if x == 0:
        return "0"
    if math.isinf(x):
        return "inf"
    if abs(x) >= 100 or float(x).is_integer():
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:,.1f}"
    return f"{x:.3g}"


def _params(args: argparse.Namespace) -> CapacityParams:
    overrides: dict[str, str] = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--set expects NAME=VALUE, got {item!r}")
        overrides[name.strip()] = value.strip()
    if args.avg_pages is not None:
        overrides["avg_pages"] = str(args.avg_pages)
    if args.large_share is not None:
        overrides["large_tier_share"] = str(args.large_share)
    if args.workflow is not None:
        overrides["workflow"] = args.workflow
    return with_overrides(CapacityParams(), overrides)


def _table(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def render(result: Plan) -> str:
    p, d = result.params, result.derived
    out = [
        f"Capacity plan: {_number(result.tasks_per_minute)} tasks/min "
        f"({_number(result.tasks_per_minute / 60)}/s), workflow {p.workflow}",
        f"Average document: {_number(p.avg_pages)} pages, {_number(d['document_chars'])} chars, "
        f"{_number(d['chunks'])} chunks in {_number(d['embed_batches'])} Embed batch(es); "
        f"{_number(d['transitions_per_task'])} state transitions, "
        f"{_number(d['lambda_invocations_per_task'])} Lambda invocations, "
        f"{_number(d['db_writes_per_task'] + d['db_vector_writes_per_task'])} DB writes, "
        f"~{_number(d['execution_seconds'])} s per task",
        "",
    ]
    rows = [["resource", "demand", "unit", "default quota", "utilization", ""]]
    for r in result.resources:
        util = "-" if r.quota is None else f"{r.utilization:.0%}"
        flag = (
            "THROTTLES"
            if r.utilization > 1
            else ("raise" if r.utilization > p.target_utilization else "")
        )
        quota = "no limit" if r.quota is None else _number(r.quota)
        rows.append([r.name, _number(r.demand), r.unit, quota, util, flag])
    out += _table(rows, {1, 3, 4})
    b = result.bottleneck
    nm = result.first_non_model_bottleneck
    out += [
        "",
        f"Bottleneck: {b.name} at {b.utilization:.0%} of its default quota "
        f"(throttles above ~{_number(result.max_tasks_per_minute)} tasks/min)",
        f"First non-model bottleneck: {nm.name} at {nm.utilization:.0%}",
    ]
    raise_list = result.quotas_to_raise
    out += ["", "Quotas to raise:" if raise_list else "Quotas to raise: none"]
    for q in raise_list:
        current = _number(q["current"])
        if q["adjustable"]:
            out.append(f"  - {q['name']}: {current} -> {_number(q['needed'])}")
        else:
            out.append(f"  - {q['name']}: {current}, needs {_number(q['needed'])}: {q['action']}")
    if result.pipeline_limits:
        out += ["", "Pipeline limits (statemachines/<pipeline>.config.json, not AWS quotas):"]
        for r in result.pipeline_limits:
            out.append(
                f"  - {r.name}: needs {_number(r.demand)} at this rate, set to {_number(r.quota or 0)}"
            )
    out += ["", "Cost per 1,000 tasks (USD):"]
    rows = [["item", "usd", "basis"]]
    rows += [[c.name, f"{c.usd:.4f}", c.detail] for c in result.costs]
    rows.append(["total", f"{result.cost_per_1000_tasks:.4f}", ""])
    out += ["  " + line for line in _table(rows, {1})]
    g = result.growth
    out += [
        "",
        f"Vector growth: {_number(g['vectors_per_day'])} vectors/day "
        f"({_number(g['vector_gb_per_day'])} GB/day); one writer's memory holds "
        f"{_number(g['days_until_vectors_exceed_max_writer_memory'])} days of them.",
    ]
    out += [f"Note: {n}" for n in result.notes]
    return "\n".join(out)


def main(args: argparse.Namespace) -> int:
    if args.show_params:
        for item in describe_params():
            print(f"{item['name']} = {item['default']!r}  # {item['help']} [{item['source']}]")
        return 0
    if args.tasks_per_minute is None:
        print("sluiceway plan: --tasks-per-minute is required", file=sys.stderr)
        return 2
    try:
        params = _params(args)
        definition = load_definition(args.definition)
        limits = load_limits(args.definition)
        result = plan(args.tasks_per_minute, params, definition, limits)
    except (ValueError, OSError) as exc:
        print(f"sluiceway plan: {exc}", file=sys.stderr)
        return 2
    if args.json:
        data: dict[str, Any] = result.to_dict()
        print(json.dumps(data, default=str))
    else:
        print(render(result))
    return 0
