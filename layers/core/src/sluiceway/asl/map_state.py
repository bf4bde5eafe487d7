"""The Map state: items, ItemSelector, concurrency; inline iterations and Distributed Map runs.

Inline mode writes ``MapStateStarted`` (with the number of items) and ``MapIteration*`` events,
and the first failed iteration fails the state with its own error. DISTRIBUTED mode runs each
item (or batch of items) as a child workflow whose events stay out of the parent's history,
which shows ``MapStateStarted`` (length 0 with an ItemReader), ``MapRunStarted``,
``MapRunSucceeded``/``MapRunFailed``. Its children cannot read the parent's variables. Failed
children are counted against ``ToleratedFailureCount`` / ``ToleratedFailurePercentage`` (0 when
neither is set); beyond them the state fails with ``States.ExceedToleratedFailureThreshold``. A
failed child within the tolerance leaves its error output (``{"Error", "Cause"}``) at its place
in the result.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from abc import abstractmethod
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from typing import Any

from sluiceway.asl import errors, query
from sluiceway.asl.control import CRASH, run_all
from sluiceway.asl.errors import StatesError
from sluiceway.asl.events import EventLog, Lane, child_lane
from sluiceway.asl.intrinsic_functions import json_type
from sluiceway.asl.jsonata_eval import JsonataTemplate, QueryEvaluationError
from sluiceway.asl.map_config import ItemReaderConfig, ObjectStore, batches, read_items
from sluiceway.asl.model import Graph, MapState
from sluiceway.asl.paths import JsonPath
from sluiceway.asl.payload import PayloadTemplate, plain_text
from sluiceway.asl.processing import read_path
from sluiceway.asl.result_writer import ChildRun, results
from sluiceway.asl.variables import Context, Scope

THRESHOLD_CAUSE = "The specified tolerated failure threshold was exceeded"
MAX_ITEMS = 100_000_000


class _Chain:
    """The event the next inline iteration links to, the last MapIterationSucceeded, and the
    last event of a failed iteration before its MapIterationFailed."""

    def __init__(self, last: int) -> None:
        self.last = last
        self.succeeded = 0
        self.failed = 0


class MapStates:
    events: EventLog
    context: dict[str, Any]
    object_store: ObjectStore | None
    clock: Callable[[], datetime]

    @abstractmethod
    async def run_graph(self, graph: Graph, data: Any, lane: Lane, scope: Scope) -> Any: ...

    @abstractmethod
    def child_runner(self) -> MapStates:
        """A runner for Distributed Map children: same execution, history of its own."""

    async def run_map(self, state: MapState, effective: Any, lane: Lane, context: Context) -> Any:
        # AWS reads an ItemReader's object once the map run has started (its failures are
        # MapRunFailed); other items are known before the state starts.
        items = None if state.reader is not None else self._items(state, effective, context)
        limit = self._integer(
            state.max_concurrency,
            getattr(state, "max_concurrency_path", None),
            state.max_concurrency_expr,
            effective,
            context,
            "MaxConcurrency",
        )
        if state.distributed:
            return await self._run_distributed(state, items, effective, lane, context, limit or 0)
        assert items is not None
        await self.events.emit(lane, "MapStateStarted", {"length": len(items)})
        # As AWS links them: an iteration starts after the last event of the iterations before
        # it (not their MapIterationSucceeded); MapStateSucceeded and MapStateExited follow the
        # last MapIterationSucceeded.
        chain = _Chain(lane.last_id)
        iterations = [
            self._run_iteration(state, index, item, effective, chain, context)
            for index, item in enumerate(items)
        ]
        try:
            results = await run_all(iterations, limit or 0)
        except StatesError as failure:
            # AWS: no iteration starts after one failed; MapStateFailed, or the MapStateStarted
            # of a retry, follows the failed iteration's last event; a terminal error (which the
            # state's Retry/Catch handling does not see) writes its MapStateFailed here.
            lane.last_id = chain.failed or lane.last_id
            if failure.terminal:
                await self.events.emit(lane, "MapStateFailed")
            raise
        await self.events.emit(lane, "MapStateSucceeded", previous=chain.succeeded or lane.last_id)
        lane.last_id = chain.succeeded or lane.last_id
        return results

    # -- items -----------------------------------------------------------------------------------

    def _reader_limit(self, reader: ItemReaderConfig, effective: Any, context: Context) -> int:
        """MaxItems / MaxItemsPath (0 when unset); a non-integer path value is States.Runtime."""
        path = reader.max_items_path
        if path is None:
            fixed = self._integer(reader.max_items, None, None, effective, context, "MaxItems")
            return fixed or 0
        return _path_integer(path, effective, context, "MaxItems")

    def _read(self, state: MapState, effective: Any, context: Context, limit: int) -> list[Any]:
        reader = state.reader
        assert reader is not None
        if limit < 0:
            raise StatesError(errors.ITEM_READER_FAILED, "field MaxItems must be positive")
        target = self._evaluate(reader.parameters, effective, context, {})
        # 0 reads every item; AWS stops reading beyond 100,000,000.
        return read_items(reader, self.object_store, target, min(limit, MAX_ITEMS) or MAX_ITEMS)

    def _items(self, state: MapState, effective: Any, context: Context) -> list[Any]:
        if state.jsonata:
            if state.items is None:
                items = effective
            else:
                states = query.states_binding(context, effective)
                items = query.evaluate(state.items, context, states)
                if not isinstance(items, list):
                    raise QueryEvaluationError(
                        "The JSONata expression specified for the field 'Items' must return "
                        f"an array, but got: {json_type(items)}",
                        "Items",
                    )
            if not isinstance(items, list):
                raise StatesError(
                    errors.RUNTIME,
                    f"The Map state input must be a JSON array, but got: {json_type(items)}",
                )
            return items
        items = read_path(state.items_path, effective, context)
        if not isinstance(items, list):
            raise StatesError(
                errors.RUNTIME,
                f"Invalid path '{state.items_path.source}' : The value of the field 'ItemsPath' "
                f"must be a JSON array, but got: {json_type(items)}",
            )
        return items

    def _evaluate(
        self, template: Any, effective: Any, context: Context, extra: dict[str, Any]
    ) -> Any:
        if template is None:
            return effective
        if isinstance(template, JsonataTemplate):
            return query.evaluate(template, context, query.states_binding(context, effective))
        assert isinstance(template, PayloadTemplate)
        return template.evaluate(effective, context)

    def _integer(
        self,
        fixed: Any,
        path: JsonPath | None,
        expression: JsonataTemplate | None,
        effective: Any,
        context: Context,
        field: str,
    ) -> int | None:
        """A count given as a number, a ``...Path`` or a JSONata expression (None if absent)."""
        if isinstance(fixed, JsonataTemplate):
            expression = fixed
        if expression is not None:
            states = query.states_binding(context, effective)
            return query.jsonata_integer(expression, context, states, field, 0)
        if path is not None:
            value = _path_integer(path, effective, context, field)
            if value < 0:
                raise StatesError(
                    errors.RUNTIME,
                    f"The value of '{field}Path' must be a non-negative integer: {value}",
                )
            return value
        return fixed if isinstance(fixed, int) else None

    def _item_input(
        self, state: MapState, index: int, item: Any, effective: Any, context: Context
    ) -> Any:
        if state.item_selector is None:
            return item
        item_context = context.derive(Map={"Item": {"Index": index, "Value": item}})
        if isinstance(state.item_selector, JsonataTemplate):
            states = query.states_binding(item_context, effective)
            return query.evaluate(state.item_selector, item_context, states)
        return state.item_selector.evaluate(effective, item_context)

    # -- inline ----------------------------------------------------------------------------------

    async def _run_iteration(
        self,
        state: MapState,
        index: int,
        item: Any,
        effective: Any,
        chain: _Chain,
        context: Context,
    ) -> Any:
        details = {"name": state.name, "index": index}
        lane = child_lane(chain.last, index)
        await self.events.emit(lane, "MapIterationStarted", details)
        try:
            item_input = self._item_input(state, index, item, effective, context)
            output = await self.run_graph(
                state.processor, item_input, lane, Scope(context.variables)
            )
        except StatesError:
            chain.failed = lane.last_id
            await self.events.emit(lane, "MapIterationFailed", details)
            raise
        except asyncio.CancelledError as cancelled:
            if CRASH not in cancelled.args:
                await self.events.emit(lane, "MapIterationAborted", details)
            raise
        chain.last = lane.last_id
        succeeded = await self.events.emit(lane, "MapIterationSucceeded", details)
        chain.succeeded = succeeded.id
        return output

    # -- distributed -----------------------------------------------------------------------------

    def _child_inputs(
        self, state: MapState, items: list[Any], effective: Any, context: Context
    ) -> list[Any]:
        inputs = [
            self._item_input(state, index, item, effective, context)
            for index, item in enumerate(items)
        ]
        batcher = state.batcher
        if batcher is None:
            return inputs
        max_items = self._integer(
            batcher.max_items, batcher.max_items_path, None, effective, context, "MaxItemsPerBatch"
        )
        max_bytes = self._integer(
            batcher.max_bytes,
            batcher.max_bytes_path,
            None,
            effective,
            context,
            "MaxInputBytesPerBatch",
        )
        batch_input = None
        if batcher.batch_input is not None:
            batch_input = self._evaluate(batcher.batch_input, effective, context, {})
        result = []
        for group in batches(inputs, max_items or None, max_bytes or None):
            batch: dict[str, Any] = {"Items": group}
            if batcher.batch_input is not None:
                batch["BatchInput"] = batch_input
            result.append(batch)
        return result

    def _map_run_arn(self, state: MapState) -> str:
        machine = str(self.context.get("StateMachine", {}).get("Id", ""))
        prefix = machine.replace(":stateMachine:", ":mapRun:", 1)
        return f"{prefix}/{state.label or state.name}:{uuid.uuid4()}"

    async def _run_distributed(
        self,
        state: MapState,
        items: list[Any] | None,
        effective: Any,
        lane: Lane,
        context: Context,
        limit: int,
    ) -> Any:
        inputs = None if items is None else self._child_inputs(state, items, effective, context)
        # AWS: the number of items when they come from the input, 0 with an ItemReader; the
        # tolerance and MaxItems are read after MapStateStarted, the object after MapRunStarted.
        await self.events.emit(lane, "MapStateStarted", {"length": len(items or ())})
        tolerated_count, tolerated_percentage = self._tolerance(state, effective, context)
        reader = state.reader
        max_items = 0 if reader is None else self._reader_limit(reader, effective, context)
        map_run_arn = self._map_run_arn(state)
        await self.events.emit(lane, "MapRunStarted", {"mapRunArn": map_run_arn})
        writer, target = state.writer, None
        try:
            if inputs is None:
                read = self._read(state, effective, context, max_items)
                inputs = self._child_inputs(state, read, effective, context)
            if writer is not None and writer.exports:
                target = self._evaluate(writer.parameters, effective, context, {})
        except StatesError as unreadable:
            details = {"error": unreadable.error, "cause": unreadable.cause}
            await self.events.emit(lane, "MapRunFailed", details)
            raise
        runner = self.child_runner()
        runs = [ChildRun(child_input) for child_input in inputs]
        children = [
            run.run(runner.run_graph(state.processor, run.input, Lane(), Scope()), self.clock)
            for run in runs
        ]
        settled = await _settle(children, limit)
        output: Any = [value if ok else value.error_output() for ok, value in settled]
        if writer is not None:
            # AWS writes the results of a failed map run too (FAILED_n.json to recover from).
            try:
                output = results(writer, target, self.object_store, map_run_arn, runs, settled)
            except StatesError as unwritable:
                details = {"error": unwritable.error, "cause": unwritable.cause}
                await self.events.emit(lane, "MapRunFailed", details)
                raise
        failures = sum(1 for ok, _ in settled if not ok)
        exceeded = failures > 0
        if tolerated_count is not None or tolerated_percentage is not None:
            exceeded = (tolerated_count is not None and failures > tolerated_count) or (
                tolerated_percentage is not None
                and bool(inputs)
                and failures * 100 / len(inputs) > tolerated_percentage
            )
        if exceeded:
            failure = StatesError(errors.EXCEED_TOLERATED_FAILURE_THRESHOLD, THRESHOLD_CAUSE)
            await self.events.emit(
                lane, "MapRunFailed", {"error": failure.error, "cause": failure.cause}
            )
            raise failure
        succeeded = await self.events.emit(lane, "MapRunSucceeded")
        await self.events.emit(lane, "MapStateSucceeded")
        lane.last_id = succeeded.id  # AWS: MapStateExited follows MapRunSucceeded
        return output

    def _tolerance(
        self, state: MapState, effective: Any, context: Context
    ) -> tuple[int | None, float | None]:
        """ToleratedFailureCount / -Percentage, with AWS's States.Runtime texts when invalid."""
        tolerance = state.tolerated
        if tolerance.count_path is not None:
            count: int | None = _path_integer(
                tolerance.count_path, effective, context, "ToleratedFailureCount"
            )
        else:
            count = self._integer(
                tolerance.count, None, None, effective, context, "ToleratedFailureCount"
            )
        if count is not None and count < 0:
            raise StatesError(errors.RUNTIME, "ToleratedFailureCount cannot be negative.")
        percentage: Any = tolerance.percentage
        path = tolerance.percentage_path
        if isinstance(percentage, JsonataTemplate):
            states = query.states_binding(context, effective)
            percentage = query.evaluate(percentage, context, states)
        elif path is not None:
            percentage = read_path(path, effective, context)
            if isinstance(percentage, str):
                with contextlib.suppress(ValueError):
                    percentage = float(percentage)
            if isinstance(percentage, bool) or not isinstance(percentage, int | float):
                shown = plain_text(percentage)
                raise StatesError(
                    errors.RUNTIME,
                    f'The ToleratedFailurePercentagePath field refers to value "{shown}" which is '
                    f"not a valid float: {path.source}",
                )
        if percentage is not None and (
            isinstance(percentage, bool)
            or not isinstance(percentage, int | float)
            or not 0 <= percentage <= 100
        ):
            raise StatesError(
                errors.RUNTIME, "ToleratedFailurePercentage must be between 0 and 100."
            )
        return count, None if percentage is None else float(percentage)


def _path_integer(path: JsonPath, data: Any, context: Context, field: str) -> int:
    """The integer a ``...Path`` field refers to (digit strings too), else States.Runtime."""
    value = read_path(path, data, context)
    if (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and value.isdigit()
    ):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        shown = plain_text(value)
        raise StatesError(
            errors.RUNTIME,
            f'The {field}Path field refers to value "{shown}" which is not a valid integer: '
            f"{path.source}",
        )
    return value


async def _settle(
    coroutines: Sequence[Coroutine[Any, Any, Any]], limit: int
) -> list[tuple[bool, Any]]:
    """Run all (at most ``limit`` at a time); ``(True, output)`` or ``(False, StatesError)``.

    Anything but a StatesError (a crash, a cancellation) propagates once all have stopped."""
    semaphore = asyncio.Semaphore(limit) if limit > 0 else None

    async def one(coroutine: Coroutine[Any, Any, Any]) -> tuple[bool, Any]:
        try:
            if semaphore is None:
                return True, await coroutine
            async with semaphore:
                return True, await coroutine
        except StatesError as failure:
            return False, failure

    outcomes = await asyncio.gather(*(one(c) for c in coroutines), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]
