"""An Amazon States Language interpreter: parse, validate and run state machines on asyncio.

Quick use::

    machine = StateMachine.parse(definition)        # raises AslValidationError(problems)
    result = await Executor(machine, invoker).run({"document": "..."})

It follows AWS Step Functions: state types, input/output processing in the JSONPath and JSONata
query languages, workflow variables, intrinsic functions, Distributed Map (ItemReader,
ItemBatcher, tolerated failures), error names, Retry/Catch semantics and history events named as
in GetExecutionHistory.
"""

from __future__ import annotations

from sluiceway.asl.errors import AslValidationError, StatesError
from sluiceway.asl.events import HistoryEvent, Listener
from sluiceway.asl.executor import ExecutionResult, Executor
from sluiceway.asl.integrations import (
    Integration,
    LambdaInvoker,
    TaskContext,
    TaskRequest,
)
from sluiceway.asl.journal import ExecutionNotRedrivable, Redrive
from sluiceway.asl.map_config import DictObjectStore, ObjectStore
from sluiceway.asl.model import StateMachine
from sluiceway.asl.validation import validate

__all__ = [
    "AslValidationError",
    "DictObjectStore",
    "ExecutionNotRedrivable",
    "ExecutionResult",
    "Executor",
    "HistoryEvent",
    "Integration",
    "LambdaInvoker",
    "Listener",
    "ObjectStore",
    "Redrive",
    "StateMachine",
    "StatesError",
    "TaskContext",
    "TaskRequest",
    "validate",
]
