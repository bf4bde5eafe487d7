"""Task resources: how a Task state's ``Resource`` is carried out.

Two Lambda integrations are built in:

* a Lambda function ARN (``arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]``): the
  function gets the effective input and its return value is the task result; history events
  are ``LambdaFunctionScheduled/Started/Succeeded/Failed/TimedOut``;
* ``arn:aws:states:::lambda:invoke`` (the optimized integration): ``Parameters`` carry
  ``FunctionName`` and ``Payload`` and the result is Lambda's Invoke response as Step Functions
  returns it (``{"ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata",
  "StatusCode"}``, plus ``LogResult`` with ``LogType: Tail``); history events are
  ``TaskScheduled/Started/Succeeded/Failed/TimedOut``.

A function's exception becomes Lambda's error (``Error`` = the exception's type name, ``Cause`` =
``{"errorMessage", "errorType", "requestId", "stackTrace"}`` as JSON text); the Lambda ARN
resource reports the cause as the function wrote it (Python's ``", "`` separators), while
lambda:invoke re-serializes it compactly, as recorded on AWS.

Other integrations subclass :class:`Integration` and are passed to the Executor.
"""

from __future__ import annotations

import base64
import json
import re
import traceback
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Protocol

from sluiceway.asl.errors import RUNTIME, StatesError
from sluiceway.asl.events import error_fields, json_field, recording
from sluiceway.asl.hash_order import hash_map
from sluiceway.asl.payload import compact_json

LAMBDA_ARN = re.compile(
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(?::(\$LATEST|[A-Za-z0-9_-]+))?"
)
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"


def _no_heartbeat() -> None:
    return None


@dataclass(frozen=True)
class TaskContext:
    """What a task implementation learns about the state that runs it."""

    state_name: str
    #: The context object, the ``$$`` value (Execution, State, StateMachine, Task...).
    context: Mapping[str, Any]
    timeout_seconds: float | None = None
    heartbeat_seconds: float | None = None
    #: Call to report progress when the state has ``HeartbeatSeconds``.
    heartbeat: Callable[[], None] = field(default=_no_heartbeat, compare=False, repr=False)

    @property
    def context_object(self) -> Mapping[str, Any]:
        return self.context


class LambdaInvoker(Protocol):
    """Runs Lambda functions (in process, or on AWS)."""

    async def invoke(self, function: str, payload: Any, context: TaskContext) -> Any:
        """Return the function's result, or raise StatesError(errorType, cause) on failure.

        ``function`` is the Resource ARN, or the FunctionName given to lambda:invoke, verbatim.
        """
        ...


@dataclass(frozen=True)
class TaskRequest:
    resource: str
    #: The effective input of the state (after InputPath and Parameters).
    payload: Any
    context: TaskContext
    region: str


class Integration(ABC):
    """A kind of Task resource. Event methods return ``(event type, details)``."""

    @abstractmethod
    def handles(self, resource: str) -> bool: ...

    @abstractmethod
    async def run(self, request: TaskRequest) -> Any: ...

    resource_type = "unknown"
    resource_name = "unknown"

    def task_token(self, _resource: str, _context: Mapping[str, Any]) -> str | None:
        """A task token, for resources that wait for a callback (``$$.Task.Token``). The context
        object (execution, state, retry count, Map item) lets a durable runtime make the token
        deterministic, so a replayed execution waits for the same callback."""
        return None

    def result_name(self, _request: TaskRequest) -> str:
        """How the States.DataLimitExceeded cause names a task whose result is too large
        ("The state/task 'lambda' returned a result ...")."""
        return self.resource_type

    def _task_fields(self) -> dict[str, Any]:
        return {"resourceType": self.resource_type, "resource": self.resource_name}

    def scheduled(self, request: TaskRequest) -> tuple[str, dict[str, Any]]:
        details = {
            **self._task_fields(),
            "region": request.region,
            **({"parameters": compact_json(request.payload)} if recording() else {}),
        }
        if request.context.timeout_seconds is not None:
            details["timeoutInSeconds"] = int(request.context.timeout_seconds)
        if request.context.heartbeat_seconds is not None:
            details["heartbeatInSeconds"] = int(request.context.heartbeat_seconds)
        return "TaskScheduled", details

    def started(self, _request: TaskRequest) -> tuple[str, dict[str, Any]]:
        return "TaskStarted", self._task_fields()

    def succeeded(self, _request: TaskRequest, output: Any) -> tuple[str, dict[str, Any]]:
        return "TaskSucceeded", {**self._task_fields(), **json_field("output", output)}

    def failed(self, _request: TaskRequest, error: StatesError) -> tuple[str, dict[str, Any]]:
        return "TaskFailed", {**self._task_fields(), **error_fields(error.error, error.cause)}

    def timed_out(self, _request: TaskRequest, error: StatesError) -> tuple[str, dict[str, Any]]:
        return "TaskTimedOut", {**self._task_fields(), **error_fields(error.error, error.cause)}


class LambdaFunctionIntegration(Integration):
    """``Resource`` is a Lambda function ARN."""

    def __init__(self, invoker: LambdaInvoker) -> None:
        self.invoker = invoker

    def handles(self, resource: str) -> bool:
        return LAMBDA_ARN.fullmatch(resource) is not None

    async def run(self, request: TaskRequest) -> Any:
        return await invoke_function(
            self.invoker, request.resource, request.payload, request.context
        )

    def result_name(self, request: TaskRequest) -> str:
        return request.resource

    def scheduled(self, request: TaskRequest) -> tuple[str, dict[str, Any]]:
        details = {"resource": request.resource, **json_field("input", request.payload)}
        if request.context.timeout_seconds is not None:
            details["timeoutInSeconds"] = int(request.context.timeout_seconds)
        return "LambdaFunctionScheduled", details

    def started(self, _request: TaskRequest) -> tuple[str, dict[str, Any]]:
        return "LambdaFunctionStarted", {}

    def succeeded(self, _request: TaskRequest, output: Any) -> tuple[str, dict[str, Any]]:
        return "LambdaFunctionSucceeded", json_field("output", output)

    def failed(self, _request: TaskRequest, error: StatesError) -> tuple[str, dict[str, Any]]:
        return "LambdaFunctionFailed", error_fields(error.error, error.cause)

    def timed_out(self, _request: TaskRequest, error: StatesError) -> tuple[str, dict[str, Any]]:
        return "LambdaFunctionTimedOut", error_fields(error.error, error.cause)


class LambdaInvokeIntegration(Integration):
    """``arn:aws:states:::lambda:invoke`` (request-response)."""

    resource_type = "lambda"
    resource_name = "invoke"

    def __init__(self, invoker: LambdaInvoker, clock: Callable[[], datetime] | None = None) -> None:
        self.invoker = invoker
        self.clock = clock or (lambda: datetime.now(UTC))

    def handles(self, resource: str) -> bool:
        return resource == LAMBDA_INVOKE

    async def run(self, request: TaskRequest) -> Any:
        parameters = request.payload
        result = await invoke_lambda(self.invoker, request)
        if parameters.get("InvocationType") == "Event":
            return self._response(parameters, None, 202)
        return self._response(parameters, result, 200)

    def _response(self, parameters: Mapping[str, Any], result: Any, status: int) -> dict[str, Any]:
        version = _executed_version(parameters)
        request_id = str(uuid.uuid4())
        body = "" if result is None and status == 202 else json.dumps(result)
        headers = {
            "Connection": "keep-alive",
            "Content-Length": str(len(body.encode("utf-8"))),
            "Content-Type": "application/json",
            "Date": format_datetime(self.clock(), usegmt=True),
            "X-Amz-Executed-Version": version,
            "x-amzn-Remapped-Content-Length": "0",
            "x-amzn-RequestId": request_id,
            "X-Amzn-Trace-Id": f"root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};sampled=0",
        }
        log: dict[str, str] = {}
        if parameters.get("LogType") == "Tail":
            # Lambda returns the end of the invocation's log, base64-encoded; here the lines it
            # always has (the function's own output is not captured).
            log["LogResult"] = headers["X-Amz-Log-Result"] = _log_tail(request_id, version)
        response: dict[str, Any] = {
            "ExecutedVersion": version,
            **log,
            "Payload": result,
            "SdkHttpMetadata": {
                "AllHttpHeaders": hash_map({name: [value] for name, value in headers.items()}),
                "HttpHeaders": headers,
                "HttpStatusCode": status,
            },
            "SdkResponseMetadata": {"RequestId": request_id},
            "StatusCode": status,
        }
        if status == 202:
            del response["Payload"]
        return response


def _log_tail(request_id: str, version: str) -> str:
    lines = (
        f"START RequestId: {request_id} Version: {version}\n"
        f"END RequestId: {request_id}\n"
        f"REPORT RequestId: {request_id}\n"
    )
    return base64.b64encode(lines.encode()).decode()


def _executed_version(parameters: Mapping[str, Any]) -> str:
    qualifier = parameters.get("Qualifier")
    function = str(parameters.get("FunctionName", ""))
    match = LAMBDA_ARN.fullmatch(function)
    if qualifier is None and match:
        qualifier = match.group(1)
    return (
        str(qualifier)
        if isinstance(qualifier, str | int) and str(qualifier).isdigit()
        else "$LATEST"
    )


def request_payload(parameters: Mapping[str, Any]) -> Any:
    """The event the function gets: a string Payload is the request body itself (JSON text),
    a missing or null one sends no body (the Python runtime then passes ``{}``)."""
    payload = parameters.get("Payload")
    if payload is None:
        return {}
    if isinstance(payload, str):
        try:
            return json.loads(payload)
        except ValueError:
            return payload
    return payload


async def invoke_lambda(invoker: LambdaInvoker, request: TaskRequest) -> Any:
    """lambda:invoke's call (also its ``.waitForTaskToken`` form): ``FunctionName`` and
    ``Payload`` from the parameters; a function's error cause re-serialized compactly."""
    parameters = request.payload
    function = parameters.get("FunctionName") if isinstance(parameters, Mapping) else None
    if not isinstance(function, str):
        raise StatesError(RUNTIME, "The field 'FunctionName' of lambda:invoke must be a string")
    try:
        return await invoke_function(
            invoker, function, request_payload(parameters), request.context
        )
    except StatesError as failure:
        raise StatesError(
            failure.error, _compact_cause(failure.cause), terminal=failure.terminal
        ) from None


def _compact_cause(cause: str | None) -> str | None:
    """lambda:invoke reports a function's error payload as compact JSON."""
    try:
        parsed = json.loads(cause) if cause else None
    except ValueError:
        return cause
    return compact_json(parsed) if isinstance(parsed, dict) else cause


async def invoke_function(
    invoker: LambdaInvoker, function: str, payload: Any, context: TaskContext
) -> Any:
    """Call the invoker; an ordinary exception becomes the function's error, as on Lambda."""
    try:
        return await invoker.invoke(function, payload, context)
    except StatesError:
        raise
    except Exception as exc:
        raise failure_from_exception(exc) from None


def lambda_error_cause(exc: BaseException, request_id: str | None = None) -> str:
    """The error payload of a failed Python function, as Lambda's Python runtime writes it."""
    return json.dumps(
        {
            "errorMessage": str(exc),
            "errorType": type(exc).__name__,
            "requestId": request_id or str(uuid.uuid4()),
            "stackTrace": traceback.format_tb(exc.__traceback__),
        }
    )


def failure_from_exception(exc: Exception) -> StatesError:
    """An ordinary exception from a task, as Lambda reports it: the error is its type name."""
    return StatesError(type(exc).__name__, lambda_error_cause(exc))


def function_not_found(function_arn: str, request_id: str | None = None) -> StatesError:
    """What lambda:invoke reports for a function that does not exist."""
    return StatesError(
        "Lambda.ResourceNotFoundException",
        f"Function not found: {function_arn} (Service: AWSLambda; Status Code: 404; Error Code: "
        f"ResourceNotFoundException; Request ID: {request_id or uuid.uuid4()}; Proxy: null)",
    )
