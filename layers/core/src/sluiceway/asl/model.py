"""The compiled form of a state machine: one frozen dataclass per state type.

Paths, payload templates, intrinsic calls and choice rules are compiled once, when the definition
is parsed (:meth:`StateMachine.parse`). A path field holding ``None`` stands for a JSON ``null`` in
the definition (for example ``"ResultPath": null``, which discards the result).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sluiceway.asl.choice import ChoiceRule
from sluiceway.asl.intrinsics import Intrinsic
from sluiceway.asl.jsonata_eval import JSONATA, JSONPATH, JsonataTemplate
from sluiceway.asl.map_config import Batcher, ItemReaderConfig, ResultWriterConfig, Tolerance
from sluiceway.asl.paths import JsonPath, parse_path
from sluiceway.asl.payload import PayloadTemplate

ROOT: JsonPath = parse_path("$")

STATE_TYPES = ("Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")


@dataclass(frozen=True, kw_only=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval_seconds: float = 1.0
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    jitter_strategy: str = "NONE"


@dataclass(frozen=True, kw_only=True)
class Catcher:
    error_equals: tuple[str, ...]
    next: str
    result_path: JsonPath | None = ROOT
    #: Assign (PayloadTemplate in JSONPath states, JsonataTemplate in JSONata states).
    assign: Any = None
    #: Output (JSONata states only).
    output: JsonataTemplate | None = None


@dataclass(frozen=True, kw_only=True)
class State:
    name: str
    type: str
    comment: str | None = None
    next: str | None = None
    end: bool = False
    input_path: JsonPath | None = ROOT
    output_path: JsonPath | None = ROOT
    query_language: str = JSONPATH
    #: Assign: a PayloadTemplate (JSONPath states) or a JsonataTemplate (JSONata states).
    assign: Any = None
    #: Output (JSONata states only).
    output: JsonataTemplate | None = None

    @property
    def jsonata(self) -> bool:
        return self.query_language == JSONATA


@dataclass(frozen=True, kw_only=True)
class PassState(State):
    result: Any = None
    has_result: bool = False
    parameters: PayloadTemplate | None = None
    result_path: JsonPath | None = ROOT


@dataclass(frozen=True, kw_only=True)
class ExecutionStateFields:
    """Fields shared by Task, Parallel and Map."""

    parameters: PayloadTemplate | None = None
    #: Arguments (JSONata states).
    arguments: JsonataTemplate | None = None
    result_selector: PayloadTemplate | None = None
    result_path: JsonPath | None = ROOT
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TaskState(ExecutionStateFields, State):
    resource: str
    timeout_seconds: float | None = None
    timeout_seconds_path: JsonPath | None = None
    heartbeat_seconds: float | None = None
    heartbeat_seconds_path: JsonPath | None = None
    #: TimeoutSeconds / HeartbeatSeconds given as JSONata expressions.
    timeout_seconds_expr: JsonataTemplate | None = None
    heartbeat_seconds_expr: JsonataTemplate | None = None


@dataclass(frozen=True, kw_only=True)
class Choice:
    """A top-level choice rule with what it assigns and outputs when it matches."""

    next: str
    rule: ChoiceRule | None = None
    #: Condition (JSONata states).
    condition: JsonataTemplate | None = None
    assign: Any = None
    output: JsonataTemplate | None = None


@dataclass(frozen=True, kw_only=True)
class ChoiceState(State):
    choices: tuple[Choice, ...]
    default: str | None = None


@dataclass(frozen=True, kw_only=True)
class WaitState(State):
    seconds: float | None = None
    timestamp: str | None = None
    seconds_path: JsonPath | None = None
    timestamp_path: JsonPath | None = None
    #: Seconds / Timestamp given as JSONata expressions.
    seconds_expr: JsonataTemplate | None = None
    timestamp_expr: JsonataTemplate | None = None


@dataclass(frozen=True, kw_only=True)
class SucceedState(State):
    pass


@dataclass(frozen=True, kw_only=True)
class FailState(State):
    error: str | None = None
    cause: str | None = None
    error_path: JsonPath | Intrinsic | None = None
    cause_path: JsonPath | Intrinsic | None = None
    #: Error / Cause given as JSONata expressions.
    error_expr: JsonataTemplate | None = None
    cause_expr: JsonataTemplate | None = None


@dataclass(frozen=True, kw_only=True)
class Graph:
    """A set of states with an entry point: the whole machine, a branch, or a Map's processor."""

    start_at: str
    states: Mapping[str, State]


@dataclass(frozen=True, kw_only=True)
class ParallelState(ExecutionStateFields, State):
    branches: tuple[Graph, ...]


@dataclass(frozen=True, kw_only=True)
class MapState(ExecutionStateFields, State):
    processor: Graph
    items_path: JsonPath = ROOT
    #: ItemSelector (a JsonataTemplate in JSONata states), or the legacy Parameters of a Map
    #: state (which plays the same role).
    item_selector: PayloadTemplate | JsonataTemplate | None = None
    max_concurrency: int = 0
    max_concurrency_path: JsonPath | None = None
    #: Items (JSONata states): an array, or an expression that returns one.
    items: JsonataTemplate | None = None
    #: MaxConcurrency / ToleratedFailure* as JSONata expressions.
    max_concurrency_expr: JsonataTemplate | None = None
    distributed: bool = False
    tolerated: Tolerance = field(default_factory=lambda: Tolerance())
    batcher: Batcher | None = None
    reader: ItemReaderConfig | None = None
    writer: ResultWriterConfig | None = None
    label: str | None = None


@dataclass(frozen=True, kw_only=True)
class StateMachine:
    """A parsed, validated state machine definition."""

    graph: Graph
    timeout_seconds: float | None = None
    comment: str | None = None
    definition: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, definition: Mapping[str, Any] | str) -> StateMachine:
        """Parse and validate a definition (a dict or JSON text).

        Raises :class:`~sluiceway.asl.errors.AslValidationError` listing every problem found.
        """
        from sluiceway.asl.errors import AslValidationError
        from sluiceway.asl.validation import parse_definition

        machine, problems = parse_definition(definition)
        if machine is None or problems:
            raise AslValidationError(problems)
        return machine

    @property
    def start_at(self) -> str:
        return self.graph.start_at

    @property
    def states(self) -> Mapping[str, State]:
        return self.graph.states

    def to_json(self) -> str:
        return json.dumps(self.definition)
