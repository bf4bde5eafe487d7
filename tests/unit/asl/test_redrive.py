"""RedriveExecution: a failed execution goes on from its unsuccessful states (journal.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sluiceway.asl import (
    ExecutionNotRedrivable,
    Executor,
    HistoryEvent,
    Redrive,
    StateMachine,
)
from tests.unit.asl.helpers import ARN, FakeSleep, FunctionInvoker


class Flaky:
    """Fails the first ``failures`` calls for the inputs in ``failing``, then returns its input."""

    def __init__(self, failing: set[Any] | None = None, failures: int = 1) -> None:
        self.failing = failing
        self.left = failures
        self.seen: list[Any] = []

    def __call__(self, event: Any) -> Any:
        self.seen.append(event)
        if (self.failing is None or event in self.failing) and self.left > 0:
            self.left -= 1
            raise RuntimeError(f"boom on {event!r}")
        return event


def attempt(
    definition: dict[str, Any],
    handlers: dict[str, Any],
    input: Any = None,
    history: list[HistoryEvent] | None = None,
) -> tuple[Any, list[HistoryEvent]]:
    """Run (or, given the history so far, redrive) an execution; returns its result and the
    whole history, as GetExecutionHistory would show it after this attempt."""
    events = list(history or [])
    executor = Executor(
        StateMachine.parse(definition),
        FunctionInvoker(handlers),
        listener=events.append,
        sleep=FakeSleep(),
    )
    redrive = Redrive.from_history(history) if history else None
    result = asyncio.run(executor.run(input, execution_name="e", redrive=redrive))
    return result, events


def task(function: str, **fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": ARN + function, **fields}


LINEAR = {
    "StartAt": "A",
    "States": {
        "A": task("a", Next="B", Assign={"seen.$": "$"}),
        "B": task("b", Next="C"),
        "C": {"Type": "Pass", "Parameters": {"b.$": "$", "a.$": "$seen"}, "End": True},
    },
}


def test_a_redrive_goes_on_at_the_failed_state_with_its_input_and_the_variables() -> None:
    a, b = Flaky(failures=0), Flaky()
    first, history = attempt(LINEAR, {"a": a, "b": b}, {"x": 1})
    assert (first.status, first.error) == ("FAILED", "RuntimeError")

    again, history = attempt(LINEAR, {"a": a, "b": b}, history=history)

    assert again.status == "SUCCEEDED"
    assert again.output == {"b": {"x": 1}, "a": {"x": 1}}
    assert a.seen == [{"x": 1}]  # A completed: not run again
    assert b.seen == [{"x": 1}, {"x": 1}]
    redriven = next(e for e in history if e.type == "ExecutionRedriven")
    failed = next(e for e in history if e.type == "ExecutionFailed")
    assert (redriven.id, redriven.previous_event_id) == (failed.id + 1, failed.id)
    assert redriven.details == {"redriveCount": 1}
    after = [e.type for e in history if e.id > redriven.id]
    assert after[0] == "TaskStateEntered" and after[-1] == "ExecutionSucceeded"
    assert [e.id for e in history] == list(range(1, len(history) + 1))


def test_the_context_object_counts_redrives_and_keeps_the_start_time() -> None:
    definition = {
        "StartAt": "Fail once",
        "States": {
            "Fail once": task("f", Next="Show"),
            "Show": {
                "Type": "Pass",
                "Parameters": {"execution.$": "$$.Execution"},
                "End": True,
            },
        },
    }
    flaky = Flaky(failures=2)
    _, history = attempt(definition, {"f": flaky}, {})
    _, history = attempt(definition, {"f": flaky}, history=history)
    result, history = attempt(definition, {"f": flaky}, history=history)
    execution = result.output["execution"]
    assert execution["RedriveCount"] == 2
    assert "RedriveTime" in execution
    started = history[0]
    assert execution["StartTime"].startswith(started.timestamp.strftime("%Y-%m-%dT%H:%M:%S"))
    assert [e.details for e in history if e.type == "ExecutionRedriven"] == [
        {"redriveCount": 1},
        {"redriveCount": 2},
    ]


def test_only_the_failed_parallel_branch_runs_again() -> None:
    definition = {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Left", "States": {"Left": task("left", End=True)}},
                    {"StartAt": "Right", "States": {"Right": task("right", End=True)}},
                ],
                "End": True,
            }
        },
    }
    left, right = Flaky(failures=0), Flaky()
    first, history = attempt(definition, {"left": left, "right": right}, "in")
    assert first.status == "FAILED"
    again, _ = attempt(definition, {"left": left, "right": right}, history=history)
    assert again.output == ["in", "in"]
    assert len(left.seen) == 1 and len(right.seen) == 2


def test_only_the_failed_map_iterations_run_again() -> None:
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Work",
                    "States": {"Work": task("work", End=True)},
                },
                "End": True,
            }
        },
    }
    work = Flaky(failing={2})
    first, history = attempt(definition, {"work": work}, [0, 1, 2, 3])
    assert first.status == "FAILED"
    calls = len(work.seen)
    again, _ = attempt(definition, {"work": work}, history=history)
    assert again.output == [0, 1, 2, 3]
    assert work.seen[calls:] == [2]


def test_loops_resume_at_the_visit_that_failed() -> None:
    definition = {
        "StartAt": "Step",
        "States": {
            "Step": task("step", Next="Count"),
            "Count": {
                "Type": "Pass",
                "Parameters": {"n.$": "States.MathAdd($.n, 1)"},
                "Next": "More?",
            },
            "More?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericLessThan": 4, "Next": "Step"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
    calls: list[Any] = []

    def third_fails_once(event: Any) -> Any:
        calls.append(event)
        if event == {"n": 2} and calls.count(event) == 1:
            raise RuntimeError("third visit")
        return event

    first, history = attempt(definition, {"step": third_fails_once}, {"n": 0})
    assert first.status == "FAILED"
    again, _ = attempt(definition, {"step": third_fails_once}, history=history)
    assert again.output == {"n": 4}
    assert calls == [{"n": 0}, {"n": 1}, {"n": 2}, {"n": 2}, {"n": 3}]


def test_a_caught_failure_that_ends_in_a_fail_state_fails_again() -> None:
    """AWS redrives the states that have no ...StateExited event: here the Fail state."""
    definition = {
        "StartAt": "Work",
        "States": {
            "Work": task(
                "work", End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]
            ),
            "Failed": {"Type": "Fail", "Error": "WorkFailed"},
        },
    }
    work = Flaky()
    _, history = attempt(definition, {"work": work}, {})
    again, history = attempt(definition, {"work": work}, history=history)
    assert (again.status, again.error) == ("FAILED", "WorkFailed")
    assert len(work.seen) == 1
    assert [e.type for e in history][-3:] == [
        "ExecutionRedriven",
        "FailStateEntered",
        "ExecutionFailed",
    ]


def test_a_succeeded_execution_cannot_be_redriven() -> None:
    _, history = attempt(LINEAR, {"a": Flaky(failures=0), "b": Flaky(failures=0)}, {})
    with pytest.raises(ExecutionNotRedrivable, match="Execution is SUCCEEDED and cannot be"):
        Redrive.from_history(history)
    with pytest.raises(ExecutionNotRedrivable, match="Execution is RUNNING"):
        Redrive.from_history(history[:3])
    assert Redrive.from_history(history[:3], check_end=False).redrive_count == 1


def test_a_running_execution_is_not_redrivable() -> None:
    _, history = attempt(LINEAR, {"a": Flaky(failures=0), "b": Flaky(failures=0)}, {})
    with pytest.raises(ExecutionNotRedrivable, match="Execution is RUNNING and cannot be"):
        Redrive.from_history(history[:1])
