"""Execution history events, named and shaped like GetExecutionHistory's.

Event types are AWS's (``ExecutionStarted``, ``TaskStateEntered``, ``LambdaFunctionScheduled``,
``MapIterationStarted``, ...). ``details`` holds the fields of the matching
``...EventDetails`` structure of the Step Functions API, with AWS's camelCase names; inputs and
outputs are JSON texts, as AWS returns them (``{"name": "Foo", "input": "{\\"a\\":1}",
"inputDetails": {"truncated": false}}``). Ids count from 1 in emission order;
``previous_event_id`` links an event to the one before it in the same branch or iteration.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sluiceway.asl.payload import compact_json


@dataclass(frozen=True)
class HistoryEvent:
    type: str
    timestamp: datetime
    details: dict[str, Any] = field(default_factory=dict)
    id: int = 0
    previous_event_id: int = 0
    #: Where a ``...StateExited`` event happened (see ``journal.py``) and the state that followed;
    #: not part of AWS's event shape, kept so that a redrive can skip what completed.
    position: str | None = None
    next_state: str | None = None


#: Receives each event as it happens; may be a plain function or a coroutine function.
Listener = Callable[[HistoryEvent], Awaitable[None] | None]


# Whether the running execution has a listener. Without one, nobody can see an event's details,
# so the JSON texts of inputs and outputs (the costly part) are not built at all.
_recording: ContextVar[bool] = ContextVar("sluiceway_asl_recording", default=True)


def recording() -> bool:
    return _recording.get()


def set_recording(enabled: bool) -> Token[bool]:
    return _recording.set(enabled)


def reset_recording(token: Token[bool]) -> None:
    _recording.reset(token)


def json_field(key: str, value: Any) -> dict[str, Any]:
    """``{key: <JSON text>, keyDetails: {"truncated": False}}``, as AWS writes inputs/outputs."""
    if not _recording.get():
        return {}
    return {key: compact_json(value), f"{key}Details": {"truncated": False}}


def error_fields(error: str | None, cause: str | None) -> dict[str, Any]:
    """``{"error", "cause"}`` without the absent or empty ones (a Fail state may set neither;
    a timeout's cause is empty)."""
    fields: dict[str, Any] = {}
    if error:
        fields["error"] = error
    if cause:
        fields["cause"] = cause
    return fields


@dataclass
class Lane:
    """One thread of events (the execution, a Parallel branch or a Map iteration).

    ``path`` names it within the execution ("" for the top level, ``/Fan#1/0`` for the first
    branch of the first visit of state Fan); ``visits`` counts the states entered in it, so a
    state's position (``/Fan#1/0/Work#1``) is the same in every attempt of the execution."""

    last_id: int = 0
    path: str = ""
    visits: dict[str, int] = field(default_factory=dict)

    def position(self, state: str) -> str:
        visit = self.visits.get(state, 0) + 1
        self.visits[state] = visit
        return f"{self.path}/{state}#{visit}"


# The position of the state being run: the parent of the lanes its branches or iterations run in.
_position: ContextVar[str] = ContextVar("sluiceway_asl_position", default="")


def enter_position(position: str) -> Token[str]:
    return _position.set(position)


def leave_position(token: Token[str]) -> None:
    _position.reset(token)


def child_lane(last_id: int, index: int) -> Lane:
    """The lane of branch or iteration ``index`` of the state being run."""
    return Lane(last_id, f"{_position.get()}/{index}")


class EventLog:
    """Numbers events and hands them to the listener."""

    def __init__(
        self, listener: Listener | None, clock: Callable[[], datetime], first_id: int = 1
    ) -> None:
        self._listener = listener
        self._clock = clock
        self._next_id = first_id

    async def emit(
        self,
        lane: Lane,
        event_type: str,
        details: dict[str, Any] | None = None,
        *,
        previous: int | None = None,
        position: str | None = None,
        next_state: str | None = None,
    ) -> HistoryEvent:
        event = HistoryEvent(
            type=event_type,
            timestamp=self._clock(),
            details=details or {},
            id=self._next_id,
            previous_event_id=lane.last_id if previous is None else previous,
            position=position,
            next_state=next_state,
        )
        self._next_id += 1
        lane.last_id = event.id
        if self._listener is not None:
            outcome = self._listener(event)
            if inspect.isawaitable(outcome):
                await outcome
        return event
