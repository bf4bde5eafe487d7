"""Lambda handler wrappers: validate the event, build dependencies once, run a durable step.

A function folder's ``handler.py`` is one line::

    lambda_handler = step_handler(extract.run, ExtractInput)
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from sluiceway.domain.steps import StepInput
from sluiceway.errors import InvalidEvent
from sluiceway.naming import state_name
from sluiceway.runtime.deps import Deps, get_deps
from sluiceway.runtime.durable import durable_step

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger("sluiceway.handler")
InputT = TypeVar("InputT", bound=StepInput)


def describe_validation_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "event"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def step_handler(
    run: Callable[[InputT, Deps], BaseModel], input_model: type[InputT], *, durable: bool = True
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Wrap ``run`` (a step of ``sluiceway.steps``) as a Lambda handler. The step's name is its
    module's name under the naming rule (``sluiceway.steps.extract_fields`` -> ``ExtractFields``);
    a function not called ``run`` adds its name (``steps.bench.parse`` -> ``BenchParse``).

    ``durable=False`` is for steps that must run every time they are reached (``RecordFailure``
    records the error of this execution, not of an earlier one); they still emit progress events.
    """
    module = run.__module__.rsplit(".", 1)[-1]
    step = state_name(module if run.__name__ == "run" else f"{module}_{run.__name__}")

    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001
        if not isinstance(event, dict):
            raise InvalidEvent(
                f"{step}: the event must be a JSON object, got {type(event).__name__}"
            )
        try:
            request = input_model.model_validate(event)
        except ValidationError as exc:
            raise InvalidEvent(f"{step}: invalid event: {describe_validation_error(exc)}") from None
        deps = get_deps()
        if not durable:
            deps.store.step_started(request.task_id, step, request.item)
            output = run(request, deps).model_dump(mode="json")
            deps.store.step_succeeded(request.task_id, step, request.item, None, None)
            return output
        return durable_step(
            deps.store,
            request.task_id,
            step,
            request.item,
            lambda: run(request, deps).model_dump(mode="json"),
        )

    lambda_handler.__qualname__ = f"{step}.lambda_handler"
    return lambda_handler


def sqs_handler(
    process: Callable[[str, Deps], object],
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Wrap ``process(body, deps)`` as the handler of an SQS event source with
    ``ReportBatchItemFailures``: only the records that raised come back to the queue (and reach
    its dead-letter queue after ``maxReceiveCount`` receives)."""

    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001
        records = event.get("Records") if isinstance(event, dict) else None
        if not isinstance(records, list):
            raise InvalidEvent("an SQS event must have a 'Records' list")
        deps = get_deps()
        failures = []
        for record in records:
            try:
                process(record["body"], deps)
            except Exception as exc:
                log.warning(
                    "message %s failed: %s: %s", record.get("messageId"), type(exc).__name__, exc
                )
                failures.append({"itemIdentifier": record.get("messageId", "")})
        return {"batchItemFailures": failures}

    return lambda_handler
