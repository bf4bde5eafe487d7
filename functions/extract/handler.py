from __future__ import annotations

from sluiceway.domain.steps import ExtractInput
from sluiceway.runtime.lambda_ import step_handler
from sluiceway.steps import extract

lambda_handler = step_handler(extract.run, ExtractInput)
