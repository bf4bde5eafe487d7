from __future__ import annotations

from sluiceway.domain.bench import BenchParseInput
from sluiceway.runtime.lambda_ import step_handler
from sluiceway.steps import bench

lambda_handler = step_handler(bench.parse, BenchParseInput)
