"""Local Lambda: find ``functions/<name>/handler.py`` by the naming rule and invoke handlers with
Lambda-shaped events (a JSON round trip) and a Lambda-like context."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from sluiceway.asl import StatesError
from sluiceway.asl.executor import DEFAULT_ACCOUNT, DEFAULT_REGION
from sluiceway.asl.integrations import function_not_found, lambda_error_cause
from sluiceway.naming import folder_name, local_function_arn
from sluiceway.project import StepLimits, function_config
from sluiceway.runtime.commits import collecting_commits

if TYPE_CHECKING:
    from concurrent.futures import Future
    from pathlib import Path

    from sluiceway.asl import TaskContext
    from sluiceway.ports import ConcurrencyLimiter

_ARN = re.compile(r"^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:([\w-]+)(?::[\w$-]+)?$")


@dataclass
class LambdaContext:
    """The attributes and method of AWS Lambda's Python context object."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 1024
    timeout_seconds: float = 900.0
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[{self.function_version}]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class FunctionRegistry:
    """The function folders of a project, loaded lazily (once per process)."""

    def __init__(self, functions_dir: Path) -> None:
        self.functions_dir = functions_dir
        self._handlers: dict[str, Any] = {}
        self._resolved: dict[str, str] = {}
        self._inline: dict[str, bool] = {}
        self._lock = threading.Lock()

    def folders(self) -> list[str]:
        return sorted(p.parent.name for p in self.functions_dir.glob("*/handler.py"))

    def arns(self) -> dict[str, str]:
        return {name: local_function_arn(name) for name in self.folders()}

    def resolve(self, function: str) -> str:
        """A folder name from an ARN, a folder name, a state name or a CDK id."""
        found = self._resolved.get(function)
        if found is None:
            found = self._resolved[function] = self._resolve(function)
        return found

    def _resolve(self, function: str) -> str:
        name = function_name_of(function)
        candidates = [name]
        if re.fullmatch(r"([A-Z][a-z0-9]*)+", name):
            candidates.append(folder_name(name.removesuffix("Function") or name))
        for candidate in candidates:
            if (self.functions_dir / candidate / "handler.py").is_file():
                return candidate
        raise StatesError(
            "Lambda.ResourceNotFoundException",
            f"Function not found: {function} (no {self.functions_dir}/{name}/handler.py)",
        )

    def is_inline(self, folder: str) -> bool:
        if folder not in self._inline:
            self._inline[folder] = function_config(self.functions_dir, folder).inline
        return self._inline[folder]

    def handler(self, folder: str) -> Any:
        with self._lock:
            if folder not in self._handlers:
                path = self.functions_dir / folder / "handler.py"
                module_name = f"functions.{folder}.handler"
                spec = importlib.util.spec_from_file_location(module_name, path)
                if spec is None or spec.loader is None:
                    raise StatesError("Lambda.ResourceNotFoundException", f"cannot load {path}")
                module = importlib.util.module_from_spec(spec)
                sys.modules[module_name] = module
                spec.loader.exec_module(module)
                self._handlers[folder] = module.lambda_handler
            return self._handlers[folder]


def call_handler(handler: Any, payload: Any, function_name: str, timeout: float | None) -> Any:
    """Invoke a handler as Lambda does: the event and the result cross a JSON boundary, and an
    exception becomes the function's error (``Error`` = exception type, ``Cause`` = Lambda's JSON)."""
    event = through_json(payload)
    context = LambdaContext(
        function_name=function_name,
        invoked_function_arn=local_function_arn(function_name),
        timeout_seconds=timeout or 900.0,
    )
    try:
        result = handler(event, context)
    except Exception as exc:
        raise StatesError(
            type(exc).__name__, lambda_error_cause(exc, context.aws_request_id)
        ) from exc
    try:
        return through_json(result)
    except (TypeError, ValueError) as exc:  # the Python runtime's text (it uses ``json``)
        raise StatesError("Runtime.MarshalError", f"Unable to marshal response: {exc}") from None


def through_json(value: Any) -> Any:
    """``value`` through JSON: orjson (fast), or ``json`` for what orjson refuses (integers over
    64 bits); ``json``'s TypeError/ValueError otherwise."""
    try:
        return orjson.loads(orjson.dumps(value))
    except (TypeError, ValueError):
        return json.loads(json.dumps(value))


def function_name_of(function: str) -> str:
    """The function name inside a Lambda ARN (or the name itself)."""
    match = _ARN.match(function)
    return match[1] if match else function


class LocalLambdaInvoker:
    """Implements the interpreter's ``LambdaInvoker`` over ``functions/``, run in threads. With a
    ``limiter``, a function with a concurrency limit waits for one of its slots (shared by every
    worker process) before it runs."""

    def __init__(
        self,
        registry: FunctionRegistry,
        *,
        limiter: ConcurrencyLimiter | None = None,
        limits: StepLimits | None = None,
    ) -> None:
        self.registry = registry
        self.limiter = limiter
        self.limits = limits or StepLimits()

    def invoke_sync(self, function: str, payload: Any, timeout: float | None = None) -> Any:
        folder = self.registry.resolve(function)
        handler = self.registry.handler(folder)
        limit = self.limits.limit(folder)
        if limit is None or self.limiter is None:
            return call_handler(handler, payload, folder, timeout)
        key = f"function:{folder}"
        slot = self.limiter.acquire(key, limit)
        try:
            return call_handler(handler, payload, folder, timeout)
        finally:
            self.limiter.release(key, slot)

    def _invoke_collecting(
        self, function: str, payload: Any, timeout: float | None
    ) -> tuple[Any, list[Future[None]]]:
        with collecting_commits() as commits:
            return self.invoke_sync(function, payload, timeout), commits

    async def invoke(self, function: str, payload: Any, context: TaskContext) -> Any:
        """Run the handler (inline functions on the loop, others in a thread), then await the
        commits it left: a durable step is complete only once its checkpoint is."""
        timeout = context.timeout_seconds
        if self.registry.is_inline(self.registry.resolve(function)):
            result, commits = self._invoke_collecting(function, payload, timeout)
        else:
            result, commits = await asyncio.to_thread(
                self._invoke_collecting, function, payload, timeout
            )
        for commit in commits:
            try:
                await asyncio.wrap_future(commit)
            except Exception as exc:
                raise StatesError(type(exc).__name__, lambda_error_cause(exc)) from exc
        return result


_DEFAULT_ARN = f"arn:aws:lambda:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:function:"


class MappedLambdaInvoker:
    """Invokes handlers given explicitly as ``{function name: callable}`` (``statemachine run``)."""

    def __init__(self, handlers: dict[str, Any]) -> None:
        self.handlers = handlers

    async def invoke(self, function: str, payload: Any, context: TaskContext) -> Any:
        name = function_name_of(function)
        handler = self.handlers.get(name)
        if handler is None:  # AWS's answer, with the function's full ARN
            arn = function if function.startswith("arn:") else _DEFAULT_ARN + name
            raise function_not_found(arn)
        return await asyncio.to_thread(
            call_handler, handler, payload, name, context.timeout_seconds
        )
