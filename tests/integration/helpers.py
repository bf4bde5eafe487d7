"""Drive the embedded runtime in-process: submit files, run a worker until nothing is left."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from sluiceway.asl import StatesError
from sluiceway.runtime.local.functions import FunctionRegistry, LocalLambdaInvoker
from sluiceway.runtime.local.worker import Worker

if TYPE_CHECKING:
    from sluiceway.asl import TaskContext
    from sluiceway.runtime.deps import Deps


class SimulatedCrash(BaseException):
    """Stands for the process dying: no ASL Catch sees it, nothing is recorded."""


class CrashAfter:
    """A ``LambdaInvoker`` that delegates to the real one and 'crashes' once ``step`` has
    completed (its checkpoint is written), before the execution can advance."""

    def __init__(self, inner: LocalLambdaInvoker, step_function: str) -> None:
        self.inner = inner
        self.step_function = step_function

    async def invoke(self, function: str, payload: Any, context: TaskContext) -> Any:
        result = await self.inner.invoke(function, payload, context)
        if function.endswith(f":function:{self.step_function}"):
            raise SimulatedCrash(function)
        return result


class Counting:
    """A ``LambdaInvoker`` that counts invocations per function and delegates."""

    def __init__(self, inner: LocalLambdaInvoker) -> None:
        self.inner = inner
        self.calls: dict[str, int] = {}

    async def invoke(self, function: str, payload: Any, context: TaskContext) -> Any:
        name = function.rsplit(":", 1)[-1]
        self.calls[name] = self.calls.get(name, 0) + 1
        try:
            return await self.inner.invoke(function, payload, context)
        except StatesError:
            raise


def local_invoker(deps: Deps) -> LocalLambdaInvoker:
    return LocalLambdaInvoker(FunctionRegistry(deps.settings.functions_dir))


def run_worker(deps: Deps, invoker: Any = None) -> None:
    """One in-process worker until no task is left to claim."""
    base = local_invoker(deps)
    worker = Worker(deps, base.registry, invoker or base)
    asyncio.run(worker.run(until_idle=True))
