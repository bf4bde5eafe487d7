from __future__ import annotations

from sluiceway.domain.steps import ExtractFieldsInput
from sluiceway.runtime.lambda_ import step_handler
from sluiceway.steps import extract_fields

lambda_handler = step_handler(extract_fields.run, ExtractFieldsInput)
