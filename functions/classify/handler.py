from __future__ import annotations

from sluiceway.domain.steps import ClassifyInput
from sluiceway.runtime.lambda_ import step_handler
from sluiceway.steps import classify

lambda_handler = step_handler(classify.run, ClassifyInput)
