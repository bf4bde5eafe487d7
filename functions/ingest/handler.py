from __future__ import annotations

from sluiceway import ingest
from sluiceway.runtime.lambda_ import sqs_handler

lambda_handler = sqs_handler(ingest.process_deps_message)
