"""What a capacity plan holds: resources (demand against a quota), cost items, and the plan with
its bottleneck, the quotas to raise and the cost per 1,000 tasks."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from sluiceway.capacity.params import SOURCES, CapacityParams

__all__ = ["CostItem", "Plan", "Resource"]


@dataclass(frozen=True)
class Resource:
    key: str
    name: str
    unit: str
    demand: float
    quota: float | None  # None: no practical limit
    adjustable: bool
    source: str
    action: str = ""

    @property
    def utilization(self) -> float:
        if self.quota is None:
            return 0.0
        return math.inf if self.quota <= 0 else self.demand / self.quota

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["utilization"] = round(self.utilization, 4)
        data["source_url"] = SOURCES.get(self.source, ("", ""))[1]
        return data


@dataclass(frozen=True)
class CostItem:
    key: str
    name: str
    usd: float  # per 1,000 tasks
    detail: str
    source: str


def _nice_ceil(x: float) -> float:
    """Round up to two significant digits (a quota worth asking for)."""
    if x <= 0:
        return 0.0
    step = 10 ** (math.floor(math.log10(x)) - 1)
    return float(math.ceil(x / step) * step)


@dataclass
class Plan:
    tasks_per_minute: float
    params: CapacityParams
    derived: dict[str, float]
    functions: list[dict[str, Any]]
    resources: list[Resource]
    costs: list[CostItem]
    growth: dict[str, float]
    notes: list[str] = field(default_factory=list)
    pipeline_limits: list[Resource] = field(default_factory=list)

    @property
    def bottleneck(self) -> Resource:
        """The first resource to throttle as the rate grows: the highest utilization."""
        return max((r for r in self.resources if r.quota is not None), key=lambda r: r.utilization)

    @property
    def first_non_model_bottleneck(self) -> Resource:
        limited = [r for r in self.resources if r.quota is not None]
        return max(
            (r for r in limited if not r.key.startswith("model.")), key=lambda r: r.utilization
        )

    @property
    def throttled(self) -> list[Resource]:
        return sorted(
            (r for r in self.resources if r.utilization > 1.0), key=lambda r: -r.utilization
        )

    @property
    def max_tasks_per_minute(self) -> float:
        """Rate at which the bottleneck reaches 100% (demand is ~linear in the rate)."""
        util = self.bottleneck.utilization
        return math.inf if util == 0 else self.tasks_per_minute / util

    @property
    def quotas_to_raise(self) -> list[dict[str, Any]]:
        target = self.params.target_utilization
        out = []
        for r in sorted(self.resources, key=lambda r: -r.utilization):
            if r.quota is None or r.utilization <= target:
                continue
            out.append(
                {
                    "resource": r.key,
                    "name": r.name,
                    "current": r.quota,
                    "needed": _nice_ceil(r.demand / target),
                    "adjustable": r.adjustable,
                    "action": r.action
                    or f"request a quota increase to {_nice_ceil(r.demand / target):,.0f} {r.unit}",
                }
            )
        return out

    @property
    def cost_per_1000_tasks(self) -> float:
        return sum(c.usd for c in self.costs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tasks_per_minute": self.tasks_per_minute,
            "workflow": self.params.workflow,
            "derived": {k: round(v, 4) for k, v in self.derived.items()},
            "functions": self.functions,
            "resources": [r.to_dict() for r in self.resources],
            "bottleneck": self.bottleneck.to_dict(),
            "first_non_model_bottleneck": self.first_non_model_bottleneck.to_dict(),
            "throttled": [r.key for r in self.throttled],
            "max_tasks_per_minute": round(self.max_tasks_per_minute, 1),
            "quotas_to_raise": self.quotas_to_raise,
            "cost_per_1000_tasks": {
                "items": [
                    {**asdict(c), "usd": round(c.usd, 6), "source_url": SOURCES[c.source][1]}
                    for c in self.costs
                ],
                "total_usd": round(self.cost_per_1000_tasks, 4),
            },
            "pipeline_limits": [r.to_dict() for r in self.pipeline_limits],
            "growth": {k: round(v, 4) for k, v in self.growth.items()},
            "notes": self.notes,
            "params": asdict(self.params),
            "sources": {k: {"what": w, "url": u} for k, (w, u) in SOURCES.items()},
        }
