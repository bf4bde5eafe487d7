from __future__ import annotations

from sluiceway.domain.steps import PlanInput
from sluiceway.runtime.lambda_ import step_handler
from sluiceway.steps import plan

lambda_handler = step_handler(plan.run, PlanInput)
