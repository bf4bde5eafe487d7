"""Count what one execution of an ASL definition costs Step Functions: state transitions, Task
invocations per function, and the critical-path time, walking the definition's success path.

Step Functions Standard bills (and throttles) one state transition each time a state is entered:
a ``Parallel`` or ``Map`` state counts once itself, then every state its branches or iterations
enter; a retried Task counts again. The walk follows ``Next`` from ``StartAt`` until a state with
``End``/``Succeed``/``Fail``; a ``Choice`` follows its ``Default`` (else its first rule), a ``Map``
runs its item processor once per item (``map_items``), a ``Parallel`` runs every branch.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["TransitionCount", "count_transitions", "failure_path", "function_name"]

_PLACEHOLDER = re.compile(r"^\$\{([A-Za-z0-9]+)FunctionArn\}$")
_LAMBDA_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)")
# Inline Map states run at most this many iterations at once (MaxConcurrency 0 = this many).
INLINE_MAP_MAX_CONCURRENCY = 40
# A guard against definitions whose success path loops forever (a Choice that always loops).
_MAX_VISITS = 100_000


@dataclass
class TransitionCount:
    """One execution: ``transitions`` (states entered), ``entries`` per state name, ``tasks``
    (Task states entered, keyed by function name) and ``seconds`` along the critical path."""

    transitions: float = 0.0
    entries: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    tasks: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    seconds: float = 0.0

    def add(self, other: TransitionCount, times: float = 1.0) -> None:
        self.transitions += other.transitions * times
        for name, n in other.entries.items():
            self.entries[name] += n * times
        for name, n in other.tasks.items():
            self.tasks[name] += n * times


def function_name(state_name: str, state: Mapping[str, Any]) -> str:
    """The function a Task state runs: ``${ExtractFunctionArn}`` -> ``Extract``, a Lambda ARN ->
    its function name, ``arn:aws:states:::lambda:invoke`` -> ``Parameters.FunctionName``; any
    other resource (an SQS or DynamoDB integration, an activity) -> the state's own name."""
    resource = str(state.get("Resource", ""))
    if m := _PLACEHOLDER.match(resource):
        return m[1]
    if m := _LAMBDA_ARN.match(resource):
        return m[1]
    if resource.startswith("arn:aws:states:::lambda:invoke"):
        params = state.get("Parameters") or state.get("Arguments") or {}
        target = params.get("FunctionName") if isinstance(params, Mapping) else None
        if isinstance(target, str):
            arn = _LAMBDA_ARN.match(target)
            return arn[1] if arn else target
    return state_name


def _map_processor(state: Mapping[str, Any]) -> Mapping[str, Any]:
    processor = state.get("ItemProcessor") or state.get("Iterator")
    if not isinstance(processor, Mapping):
        raise ValueError("a Map state needs an ItemProcessor (or Iterator)")
    return processor


def _next_state(name: str, state: Mapping[str, Any]) -> str | None:
    kind = state.get("Type")
    if kind in ("Succeed", "Fail") or state.get("End") is True:
        return None
    if kind == "Choice":
        default = state.get("Default")
        if isinstance(default, str):
            return default
        choices = state.get("Choices") or []
        if choices and isinstance(choices[0], Mapping) and isinstance(choices[0].get("Next"), str):
            return str(choices[0]["Next"])
        raise ValueError(f"Choice state {name!r} has no Default and no rule with Next")
    nxt = state.get("Next")
    if not isinstance(nxt, str):
        raise ValueError(f"state {name!r} has neither Next nor End")
    return nxt


def _walk(
    machine: Mapping[str, Any],
    start: str | None,
    map_items: Callable[[str], float],
    seconds_of: Callable[[str, str], float],
) -> TransitionCount:
    states = machine.get("States")
    if not isinstance(states, Mapping):
        raise ValueError("a state machine needs a States object")
    name: str | None = start if start is not None else machine.get("StartAt")
    result = TransitionCount()
    visits = 0
    while name is not None:
        visits += 1
        if visits > _MAX_VISITS:
            raise ValueError("the success path does not end (a loop without a way out?)")
        state = states.get(name)
        if not isinstance(state, Mapping):
            raise ValueError(f"no state named {name!r}")
        kind = state.get("Type")
        result.transitions += 1
        result.entries[name] += 1
        if kind == "Task":
            fn = function_name(name, state)
            result.tasks[fn] += 1
            result.seconds += seconds_of(name, fn)
        elif kind == "Parallel":
            branches = [
                _walk(branch, None, map_items, seconds_of) for branch in state.get("Branches", [])
            ]
            for branch in branches:
                result.add(branch)
            result.seconds += max((b.seconds for b in branches), default=0.0)
        elif kind == "Map":
            items = max(0.0, float(map_items(name)))
            iteration = _walk(_map_processor(state), None, map_items, seconds_of)
            result.add(iteration, items)
            limit = int(state.get("MaxConcurrency", 0) or 0)
            distributed = (state.get("ItemProcessor") or {}).get("ProcessorConfig", {}).get(
                "Mode"
            ) == "DISTRIBUTED"
            width = limit or (10_000 if distributed else INLINE_MAP_MAX_CONCURRENCY)
            result.seconds += math.ceil(items / width) * iteration.seconds if items else 0.0
        elif kind == "Wait":
            result.seconds += float(state.get("Seconds", 0) or 0)
        name = _next_state(name, state)
    return result


def count_transitions(
    definition: Mapping[str, Any],
    map_items: float | Mapping[str, float] = 1,
    seconds_of: Callable[[str, str], float] | None = None,
) -> TransitionCount:
    """Walk one execution's success path. ``map_items`` is the number of items every Map state
    iterates over, or a ``{map state name: items}`` mapping (missing names: 1 item).
    ``seconds_of(state_name, function_name)`` gives a Task's duration for the critical path."""

    def items_of(name: str) -> float:
        if isinstance(map_items, Mapping):
            return float(map_items.get(name, 1))
        return float(map_items)

    return _walk(definition, None, items_of, seconds_of or (lambda _s, _f: 0.0))


def failure_path(
    definition: Mapping[str, Any],
    seconds_of: Callable[[str, str], float] | None = None,
) -> TransitionCount:
    """What the top-level ``Catch`` route adds when a task fails: the longest path among the
    states the catchers send it to (for the document pipeline: RecordFailure -> DocumentFailed)."""
    states = definition.get("States") or {}
    targets = {
        str(catcher["Next"])
        for state in states.values()
        if isinstance(state, Mapping)
        for catcher in state.get("Catch", [])
        if isinstance(catcher, Mapping) and isinstance(catcher.get("Next"), str)
    }
    paths = [
        _walk(definition, target, lambda _n: 1.0, seconds_of or (lambda _s, _f: 0.0))
        for target in sorted(targets)
    ]
    return max(paths, key=lambda p: p.transitions, default=TransitionCount())
