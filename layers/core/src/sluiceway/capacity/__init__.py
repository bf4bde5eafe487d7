"""A capacity model for running a pipeline on AWS: demand against the default quotas of Step
Functions, Lambda, SQS, S3, Aurora Serverless v2 + RDS Proxy and the models, the first resource to
throttle, the quotas to raise and the cost per 1,000 tasks. ``sluiceway plan`` prints it;
``docs/scaling.md`` explains it. Pure Python, no AWS calls: it starts fast."""

from __future__ import annotations

from sluiceway.capacity.asl import TransitionCount, count_transitions, failure_path, function_name
from sluiceway.capacity.model import (
    default_definition_path,
    load_definition,
    load_limits,
    plan,
    transitions_for_chunks,
)
from sluiceway.capacity.params import SOURCES, CapacityParams, describe_params, with_overrides
from sluiceway.capacity.results import CostItem, Plan, Resource

__all__ = [
    "SOURCES",
    "CapacityParams",
    "CostItem",
    "Plan",
    "Resource",
    "TransitionCount",
    "count_transitions",
    "default_definition_path",
    "describe_params",
    "failure_path",
    "function_name",
    "load_definition",
    "load_limits",
    "plan",
    "transitions_for_chunks",
    "with_overrides",
]
