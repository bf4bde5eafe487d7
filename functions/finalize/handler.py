from __future__ import annotations

from sluiceway.domain.steps import FinalizeInput
from sluiceway.runtime.lambda_ import step_handler
from sluiceway.steps import finalize

lambda_handler = step_handler(finalize.run, FinalizeInput)
