"""Loading the recorded cases: every ``*.json`` of a folder, ``{"cases": [...]}``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def recorded_cases(folder: Path) -> list[Any]:
    """One pytest param per case, named ``<file stem>/<case name>``. The file's other top-level
    keys are defaults of its cases (one ``masked`` list, say)."""
    params = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        defaults = {key: value for key, value in data.items() if key != "cases"}
        for case in data["cases"]:
            params.append(pytest.param({**defaults, **case}, id=f"{path.stem}/{case['name']}"))
    return params
