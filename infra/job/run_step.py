"""Entry point of the long-step job image: run one function's handler on one event, as Lambda
would, inside a Kubernetes Job started by ``eks:runJob.sync``.

``SLUICEWAY_STEP`` names the function folder (``extract``), ``SLUICEWAY_EVENT`` holds the event as
JSON. The handler is the same ``functions/<step>/handler.py``: a durable step, so its output is
checkpointed in Postgres where the pipeline's next state finds it; the output is also printed
(the state's retrieved logs). Exit status 0 on success, 1 on a step error, 2 on a bad request.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

FUNCTIONS = Path(os.environ.get("SLUICEWAY_FUNCTIONS_DIR", "/app/functions"))


class _Context:
    """The few Lambda context attributes handlers may read."""

    function_name = os.environ.get("SLUICEWAY_STEP", "step")
    aws_request_id = os.environ.get("HOSTNAME", "job")

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 24 * 3600 * 1000


def load_handler(step: str) -> Any:
    path = FUNCTIONS / step / "handler.py"
    if not path.is_file():
        raise FileNotFoundError(f"no function folder {path.parent}")
    spec = importlib.util.spec_from_file_location(f"sluiceway_job_{step}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lambda_handler


def main() -> int:
    step = os.environ.get("SLUICEWAY_STEP", "")
    try:
        event = json.loads(os.environ.get("SLUICEWAY_EVENT", ""))
        handler = load_handler(step)
    except (ValueError, FileNotFoundError) as exc:
        sys.stderr.write(f"run_step: {exc}\n")
        return 2
    try:
        output = handler(event, _Context())
    except Exception as exc:
        sys.stdout.write(
            json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}) + "\n"
        )
        return 1
    sys.stdout.write(json.dumps(output) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
