from __future__ import annotations

from sluiceway.domain.steps import EmbedInput
from sluiceway.runtime.lambda_ import step_handler
from sluiceway.steps import embed

lambda_handler = step_handler(embed.run, EmbedInput)
