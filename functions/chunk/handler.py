from __future__ import annotations

from sluiceway.domain.steps import ChunkInput
from sluiceway.runtime.lambda_ import step_handler
from sluiceway.steps import chunk

lambda_handler = step_handler(chunk.run, ChunkInput)
