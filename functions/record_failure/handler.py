from __future__ import annotations

from sluiceway.domain.steps import RecordFailureInput
from sluiceway.runtime.lambda_ import step_handler
from sluiceway.steps import record_failure

lambda_handler = step_handler(record_failure.run, RecordFailureInput, durable=False)
