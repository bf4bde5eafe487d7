"""The interpreter: runs a parsed :class:`StateMachine` on asyncio.

Data flow of a state, as in the developer guide ("Processing input and output"): raw input ->
``InputPath`` -> ``Parameters`` (effective input) -> the state's work -> ``ResultSelector`` ->
``ResultPath`` (merged into the *raw* input) -> ``OutputPath``. A path that matches nothing fails
the execution with ``States.Runtime`` (never retried nor caught) and a cause that starts with
"An error occurred while executing the state 'X' (entered at the event id #N).".
"""

from __future__ import annotations

import asyncio
import copy
import random
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sluiceway.asl import errors
from sluiceway.asl.control import DeadlineExceeded, Sleep, with_deadline
from sluiceway.asl.errors import StatesError
from sluiceway.asl.events import (
    EventLog,
    HistoryEvent,
    Lane,
    Listener,
    enter_position,
    error_fields,
    json_field,
    leave_position,
    reset_recording,
    set_recording,
)
from sluiceway.asl.flow_states import FlowStates
from sluiceway.asl.integrations import (
    Integration,
    LambdaFunctionIntegration,
    LambdaInvokeIntegration,
    LambdaInvoker,
)
from sluiceway.asl.journal import Completion, Redrive
from sluiceway.asl.jsonata_eval import QueryEvaluationError
from sluiceway.asl.map_config import ObjectStore
from sluiceway.asl.model import (
    ChoiceState,
    FailState,
    Graph,
    MapState,
    ParallelState,
    PassState,
    State,
    StateMachine,
    SucceedState,
    TaskState,
    WaitState,
)
from sluiceway.asl.processing import iso_timestamp
from sluiceway.asl.query import check_result_size
from sluiceway.asl.states import ExecutionStates
from sluiceway.asl.variables import Context, Scope, assigned_fields, make_context

Status = Literal["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"


@dataclass
class ExecutionResult:
    status: Status
    output: Any = None
    error: str | None = None
    cause: str | None = None


#: Terminal errors whose cause names the state ("An error occurred while executing the state
#: 'X' (entered at the event id #N). ..."); States.DataLimitExceeded causes do not.
_LOCATED_ERRORS = frozenset({errors.RUNTIME, errors.QUERY_EVALUATION_ERROR})


class LocatedError(StatesError):
    """A States.Runtime error whose cause already names the state it happened in."""


@dataclass
class _Outcome:
    next: str | None
    output: Any


class Executor:
    """Runs executions of one state machine.

    ``sleep`` waits for Wait states and retry backoff, so tests can pass a fake one that
    returns at once. ``timer`` measures timeouts (TimeoutSeconds, HeartbeatSeconds, the
    machine's TimeoutSeconds); it is real time (``asyncio.sleep``) unless a test passes a faster
    one. ``integrations`` adds Task resources to the built-in Lambda ones (they are tried
    first). ``rng`` drives FULL jitter; ``clock`` gives event timestamps; ``object_store`` is
    where a Distributed Map's ItemReader reads.
    """

    def __init__(
        self,
        machine: StateMachine,
        invoker: LambdaInvoker,
        listener: Listener | None = None,
        sleep: Sleep = asyncio.sleep,
        *,
        timer: Sleep | None = None,
        integrations: Iterable[Integration] = (),
        rng: random.Random | None = None,
        clock: Callable[[], datetime] | None = None,
        object_store: ObjectStore | None = None,
    ) -> None:
        self.machine = machine
        self.invoker = invoker
        self.listener = listener
        self.sleep = sleep
        self.timer = timer or asyncio.sleep
        self.clock = clock or (lambda: datetime.now(UTC))
        self.rng = rng or random.Random()
        self.object_store = object_store
        self.integrations: list[Integration] = [
            *integrations,
            LambdaFunctionIntegration(invoker),
            LambdaInvokeIntegration(invoker, self.clock),
        ]

    async def run(
        self,
        input: Any,
        execution_name: str | None = None,
        execution_arn: str | None = None,
        state_machine_arn: str | None = None,
        *,
        role_arn: str | None = None,
        redrive_count: int = 0,
        redrive: Redrive | None = None,
    ) -> ExecutionResult:
        """Run one execution to its end. A BaseException that is not an Exception, raised by a
        task, propagates unchanged (the runtime uses one to simulate a crash).
        ``redrive_count`` is ``$$.Execution.RedriveCount`` (how often it was redriven).
        With ``redrive`` (``Redrive.from_history(events)``), ``input`` is ignored: the execution
        goes on from where its history ends, as RedriveExecution does (see ``journal.py``)."""
        recording = set_recording(self.listener is not None)
        try:
            return await self._execute(
                input,
                execution_name,
                execution_arn,
                state_machine_arn,
                role_arn,
                redrive_count,
                redrive,
            )
        finally:
            reset_recording(recording)

    async def _execute(
        self,
        input: Any,
        execution_name: str | None,
        execution_arn: str | None,
        state_machine_arn: str | None,
        role_arn: str | None,
        redrive_count: int,
        redrive: Redrive | None,
    ) -> ExecutionResult:
        name = execution_name or str(uuid.uuid4())
        machine_arn = state_machine_arn or (
            f"arn:aws:states:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:stateMachine:StateMachine"
        )
        arn = execution_arn or _execution_arn(machine_arn, name)
        parts = machine_arn.split(":")
        region = parts[3] if len(parts) > 6 and parts[3] else DEFAULT_REGION
        account = parts[4] if len(parts) > 6 and parts[4] else DEFAULT_ACCOUNT
        role = role_arn or f"arn:aws:iam::{account}:role/StepFunctions-{parts[-1]}-role"
        lane = Lane()
        if redrive is None:
            run = _Run(self, EventLog(self.listener, self.clock), region, {})
            started = await run.events.emit(
                lane, "ExecutionStarted", {**json_field("input", input), "roleArn": role}
            )
            lane.last_id = 0  # AWS: the first StateEntered event has previousEventId 0
            start_time, redrive_time = started.timestamp, None
        else:
            events = EventLog(self.listener, self.clock, first_id=redrive.last_event_id + 1)
            run = _Run(self, events, region, redrive.completions)
            lane.last_id = redrive.last_event_id
            input, redrive_count = redrive.input, redrive.redrive_count
            start_time, redrive_time = redrive.start_time, None
            if redrive.announce:
                redriven = await run.events.emit(
                    lane, "ExecutionRedriven", {"redriveCount": redrive.redrive_count}
                )
                redrive_time = redriven.timestamp
        execution: dict[str, Any] = {
            # Key order as AWS serializes the context object.
            "Id": arn,
            "Input": input,
            "StartTime": iso_timestamp(start_time),
            "Name": name,
            "RoleArn": role,
            "RedriveCount": redrive_count,
        }
        if redrive_time is not None:
            execution["RedriveTime"] = iso_timestamp(redrive_time)
        run.context = {
            "Execution": execution,
            "StateMachine": {"Id": machine_arn, "Name": parts[-1]},
        }
        try:
            output = await with_deadline(
                run.run_graph(self.machine.graph, input, lane, Scope()),
                self.timer,
                self.machine.timeout_seconds,
            )
        except DeadlineExceeded:
            await run.events.emit(lane, "ExecutionTimedOut", {"error": errors.TIMEOUT})
            # AWS's DescribeExecution of a timed-out execution has no error nor cause.
            return ExecutionResult("TIMED_OUT")
        except StatesError as failure:
            await run.events.emit(
                lane, "ExecutionFailed", error_fields(failure.error, failure.cause)
            )
            return ExecutionResult(
                "FAILED", error=failure.error or None, cause=failure.cause or None
            )
        await run.events.emit(lane, "ExecutionSucceeded", json_field("output", output))
        return ExecutionResult("SUCCEEDED", output=output)


def _execution_arn(machine_arn: str, name: str) -> str:
    prefix, found, machine_name = machine_arn.rpartition(":stateMachine:")
    if not found:
        prefix, machine_name = f"arn:aws:states:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}", "StateMachine"
    return f"{prefix}:execution:{machine_name}:{name}"


class _Run(ExecutionStates, FlowStates):
    """One execution: its event log and context object."""

    def __init__(
        self,
        executor: Executor,
        events: EventLog,
        region: str,
        completions: Mapping[str, Completion],
    ) -> None:
        self.executor = executor
        self.events = events
        self.region = region
        self.completions = completions
        self.context: dict[str, Any] = {}
        self.sleep = executor.sleep
        self.timer = executor.timer
        self.clock = executor.clock
        self.rng = executor.rng
        self.integrations = executor.integrations
        self.object_store = executor.object_store

    def child_runner(self) -> _Run:
        runner = copy.copy(self)
        runner.events = EventLog(None, self.clock)
        runner.completions = {}  # a Distributed Map's children run again in full
        return runner

    def state_context(self, state: State, entered: HistoryEvent, scope: Scope) -> Context:
        # AWS gives RetryCount only to the states that can retry (Task, Parallel, Map).
        state_fields: dict[str, Any] = {
            "Name": state.name,
            "EnteredTime": iso_timestamp(entered.timestamp),
        }
        if isinstance(state, TaskState | ParallelState | MapState):
            state_fields["RetryCount"] = 0
        return make_context({**self.context, "State": state_fields}, scope, entered.id)

    async def run_graph(self, graph: Graph, data: Any, lane: Lane, scope: Scope) -> Any:
        name: str | None = graph.start_at
        while name is not None:
            outcome = await self.run_state(graph.states[name], data, lane, scope)
            name, data = outcome.next, outcome.output
        return data

    async def run_state(self, state: State, raw: Any, lane: Lane, scope: Scope) -> _Outcome:
        position = lane.position(state.name)
        done = self.completions.get(position)
        if done is not None:  # completed in an earlier attempt (redrive)
            scope.assign(done.assigned)
            return _Outcome(done.next_state, done.output)
        token = enter_position(position)
        try:
            return await self._run_state(state, raw, lane, scope, position)
        finally:
            leave_position(token)

    async def _run_state(
        self, state: State, raw: Any, lane: Lane, scope: Scope, position: str
    ) -> _Outcome:
        entered = await self.events.emit(
            lane, f"{state.type}StateEntered", {"name": state.name, **json_field("input", raw)}
        )
        context = self.state_context(state, entered, scope)
        try:
            next_state, output, assigned = await self._dispatch(state, raw, lane, context)
            check_result_size(state.name, output)
        except StatesError as failure:
            if failure.error in _LOCATED_ERRORS and not isinstance(failure, LocatedError):
                located = LocatedError(
                    failure.error,
                    f"An error occurred while executing the state '{state.name}' (entered at the "
                    f"event id #{entered.id}). {failure.cause}",
                )
                if isinstance(failure, QueryEvaluationError):
                    await self.events.emit(
                        lane,
                        "EvaluationFailed",
                        {
                            "cause": located.cause,
                            "error": failure.error,
                            "location": failure.location,
                            "state": state.name,
                        },
                        previous=entered.previous_event_id,
                    )
                raise located from None
            raise
        scope.assign(assigned)
        await self.events.emit(
            lane,
            f"{state.type}StateExited",
            {"name": state.name, **json_field("output", output), **assigned_fields(assigned)},
            position=position,
            next_state=next_state,
        )
        return _Outcome(next_state, output)

    async def _dispatch(
        self, state: State, raw: Any, lane: Lane, context: Context
    ) -> tuple[str | None, Any, dict[str, Any]]:
        if isinstance(state, TaskState | ParallelState | MapState):
            return await self.run_execution_state(state, raw, lane, context)
        if isinstance(state, PassState):
            return self.run_pass(state, raw, context)
        if isinstance(state, ChoiceState):
            return self.run_choice(state, raw, context)
        if isinstance(state, WaitState):
            return await self.run_wait(state, raw, context)
        if isinstance(state, SucceedState):
            return self.run_succeed(state, raw, context)
        assert isinstance(state, FailState)
        raise self.fail_error(state, raw, context)
