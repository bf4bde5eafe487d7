"""Redrive: restart a failed execution at its unsuccessful states, as RedriveExecution does.

AWS restarts a failed, aborted or timed-out execution "from the unsuccessful step" with the input
that step received; the states that completed are not run again, and inside a Parallel or an
inline Map only the branches and iterations that did not succeed run again. The history goes on
(``ExecutionRedriven``, then the re-entered states) and ``$$.Execution.RedriveCount`` counts the
redrives.

The interpreter does it from the history: every ``...StateExited`` event carries its position
(the lane path, the state name and which visit of it: ``/Fan#1/0/Work#1``) and the state that
followed. A redrive replays the machine from its input; a state whose position completed takes
its recorded output and variable assignments without running or writing events, so the run
resumes exactly where the earlier attempt stopped (a state machine's flow is decided by its
data, so the same positions come up in the same order).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sluiceway.asl.events import HistoryEvent

UNSUCCESSFUL_ENDS = frozenset({"ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"})
EXECUTION_ENDS = UNSUCCESSFUL_ENDS | {"ExecutionSucceeded"}


class ExecutionNotRedrivable(ValueError):
    """Named after the RedriveExecution error; the message is AWS's reason where it has one."""


@dataclass(frozen=True)
class Completion:
    next_state: str | None
    output: Any
    assigned: dict[str, Any]


@dataclass(frozen=True)
class Redrive:
    """What a redrive starts from: the execution's input, when it started, how far its history
    goes, and what completed (by position)."""

    input: Any
    start_time: datetime
    last_event_id: int
    redrive_count: int
    completions: Mapping[str, Completion] = field(default_factory=dict)
    #: False to go on without an ``ExecutionRedriven`` event (nor ``RedriveTime``): the
    #: embedded runtime resuming an execution whose worker died.
    announce: bool = True

    @classmethod
    def from_history(cls, events: Iterable[HistoryEvent], *, check_end: bool = True) -> Redrive:
        """From the events of the execution so far (in order). ``check_end`` refuses an
        execution that did not end unsuccessfully, with AWS's reasons; a runtime that knows
        the execution failed in another way (its worker died, say) passes False."""
        started: HistoryEvent | None = None
        completions: dict[str, Completion] = {}
        redrives = 0
        last: HistoryEvent | None = None
        for event in events:
            last = event
            if event.type == "ExecutionStarted":
                # A new execution from the start: what an earlier one did no longer counts.
                started, completions, redrives = event, {}, 0
            elif event.type == "ExecutionRedriven":
                redrives += 1
            elif event.position is not None and event.type.endswith("StateExited"):
                completions[event.position] = _completion(event)
        if started is None or last is None:
            raise ExecutionNotRedrivable("the history has no ExecutionStarted event")
        if check_end and last.type not in UNSUCCESSFUL_ENDS:
            status = "SUCCEEDED" if last.type == "ExecutionSucceeded" else "RUNNING"
            raise ExecutionNotRedrivable(f"Execution is {status} and cannot be redriven.")
        if "input" not in started.details:
            raise ExecutionNotRedrivable("the history was recorded without inputs and outputs")
        return cls(
            input=json.loads(started.details["input"]),
            start_time=started.timestamp,
            last_event_id=last.id,
            redrive_count=redrives + 1,
            completions=completions,
        )


def _completion(event: HistoryEvent) -> Completion:
    details = event.details
    assigned = details.get("assignedVariables") or {}
    return Completion(
        next_state=event.next_state,
        output=json.loads(details["output"]) if "output" in details else None,
        assigned={name: json.loads(text) for name, text in assigned.items()},
    )
