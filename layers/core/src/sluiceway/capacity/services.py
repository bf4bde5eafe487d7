"""The Step Functions and model resources and the Step Functions cost, per workflow type."""

from __future__ import annotations

import math

from sluiceway.capacity.params import CapacityParams
from sluiceway.capacity.results import CostItem, Resource


def step_functions_resources(
    p: CapacityParams, rate: float, transitions: float, exec_seconds: float
) -> list[Resource]:
    if p.workflow == "express":
        return [
            Resource(
                "sfn.start_execution",
                "StartExecution (Express)",
                "calls/s",
                rate,
                p.sfn_express_start_refill_per_s,
                True,
                "sfn-quotas",
            ),
            Resource(
                "sfn.state_transitions",
                "State transitions (Express: not throttled)",
                "transitions/s",
                rate * transitions,
                None,
                False,
                "sfn-quotas",
            ),
        ]
    if p.workflow == "distributed":
        parents = rate / p.distributed_batch_tasks
        parent_transitions = rate * (
            p.distributed_parent_transitions + 5.0 / p.distributed_batch_tasks
        )
        return [
            Resource(
                "sfn.start_execution",
                f"StartExecution (Standard parents, {p.distributed_batch_tasks} tasks each)",
                "calls/s",
                parents,
                p.sfn_start_refill_per_s,
                True,
                "sfn-quotas",
            ),
            Resource(
                "sfn.state_transitions",
                "State transitions (Standard parents; Express children not throttled)",
                "transitions/s",
                parent_transitions,
                p.sfn_transition_refill_per_s,
                True,
                "sfn-quotas",
            ),
            Resource(
                "sfn.map_children",
                "Distributed Map child executions in flight (per Map Run)",
                "executions",
                min(float(p.distributed_batch_tasks), rate * exec_seconds),
                p.sfn_map_children,
                False,
                "sfn-map",
                "smaller parent batches",
            ),
        ]
    return [
        Resource(
            "sfn.start_execution",
            "StartExecution (Standard)",
            "calls/s",
            rate,
            p.sfn_start_refill_per_s,
            True,
            "sfn-quotas",
        ),
        Resource(
            "sfn.state_transitions",
            "State transitions (Standard)",
            "transitions/s",
            rate * transitions,
            p.sfn_transition_refill_per_s,
            True,
            "sfn-quotas",
        ),
        Resource(
            "sfn.open_executions",
            "Open Standard executions",
            "executions",
            rate * exec_seconds,
            p.sfn_open_executions,
            True,
            "sfn-quotas",
        ),
    ]


def model_resources(
    p: CapacityParams,
    per_min: float,
    small: tuple[float, float, float],
    large: tuple[float, float, float],
) -> list[Resource]:
    out = []
    tiers = (
        ("small", p.small_model, small, p.small_tpm, p.small_rpm, p.small_output_burndown),
        ("large", p.large_model, large, p.large_tpm, p.large_rpm, p.large_output_burndown),
    )
    for tier, model, (req, tok_in, tok_out), tpm, rpm, burn in tiers:
        out += [
            Resource(
                f"model.{tier}.tpm",
                f"Bedrock tokens/min, {tier} tier ({model})",
                "tokens/min",
                per_min * (tok_in + burn * tok_out),
                tpm,
                True,
                "bedrock-quotas",
            ),
            Resource(
                f"model.{tier}.rpm",
                f"Bedrock requests/min, {tier} tier ({model})",
                "requests/min",
                per_min * req,
                rpm,
                False,
                "bedrock-quotas",
                "not adjustable: spread over Regions/accounts, Provisioned Throughput, or batch",
            ),
        ]
    return out


def sfn_costs(p: CapacityParams, transitions: float, exec_seconds: float) -> list[CostItem]:
    express = (
        p.price_express_request
        + math.ceil(exec_seconds * 10) / 10 * (p.express_memory_mb / 1024.0) * p.price_express_gb_s
    )
    if p.workflow == "express":
        return [
            CostItem(
                "sfn",
                "Step Functions Express",
                1000 * express,
                f"1 request + {exec_seconds:.1f} s x {p.express_memory_mb} MB per task",
                "sfn-pricing",
            )
        ]
    if p.workflow == "distributed":
        per_task = p.distributed_parent_transitions + 5.0 / p.distributed_batch_tasks
        parent = per_task * p.price_transition
        return [
            CostItem(
                "sfn",
                "Step Functions (Standard parents + Express children)",
                1000 * (parent + express),
                f"{per_task:.3f} parent transitions + 1 Express child per task",
                "sfn-pricing",
            )
        ]
    return [
        CostItem(
            "sfn",
            "Step Functions state transitions",
            1000 * transitions * p.price_transition,
            f"{transitions:.2f} transitions per task",
            "sfn-pricing",
        )
    ]
