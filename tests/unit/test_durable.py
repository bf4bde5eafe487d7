from __future__ import annotations

from typing import Any

import pytest

from sluiceway.runtime.durable import durable_step
from sluiceway.testing import InMemoryStateStore


def test_a_completed_step_is_not_run_again() -> None:
    store = InMemoryStateStore()
    calls: list[int] = []

    def compute() -> dict[str, Any]:
        calls.append(1)
        return {
            "n": len(calls),
            "usage": {"model": "m", "tokens_in": 3, "tokens_out": 1, "cost_usd": 0.5},
        }

    first = durable_step(store, "t1", "Classify", "", compute)
    second = durable_step(store, "t1", "Classify", "", compute)
    assert first == second == {"n": 1, "usage": first["usage"]}
    assert calls == [1]
    assert [kind for kind, _, _ in store.events] == [
        "step.started",
        "step.succeeded",
        "step.resumed",
    ]
    assert store.task_cost("t1") == 0.5


def test_items_of_a_map_are_checkpointed_separately() -> None:
    store = InMemoryStateStore()
    for item in ("0", "1", "0"):
        durable_step(store, "t1", "Embed", item, lambda item=item: {"item": item})  # type: ignore[misc]
    assert sorted(k[2] for k in store.checkpoints) == ["0", "1"]


def test_a_failing_step_leaves_no_checkpoint_and_raises() -> None:
    store = InMemoryStateStore()

    def boom() -> dict[str, Any]:
        raise ValueError("nope")

    with pytest.raises(ValueError, match="nope"):
        durable_step(store, "t1", "Plan", "", boom)
    assert store.checkpoints == {}
    assert [kind for kind, _, _ in store.events] == ["step.started", "step.failed"]
    # A later attempt runs the step for real.
    assert durable_step(store, "t1", "Plan", "", lambda: {"ok": True}) == {"ok": True}
