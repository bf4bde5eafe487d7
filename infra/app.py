"""CDK entry point (``infra/cdk.json``: ``"app": "python3 app.py"``): builds and synthesises
every stack of :mod:`infra.main`."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def _run() -> int:
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    main = importlib.import_module("infra.main").main
    code: int = main(sys.argv[1:])
    return code


if __name__ == "__main__":
    sys.exit(_run())
