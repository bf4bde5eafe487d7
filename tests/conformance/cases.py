"""Loading the recorded cases: every ``*.json`` of a folder, ``{"cases": [...]}``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def recorded_cases(folder: Path) -> list[Any]:
    """One pytest param per case, named ``<file stem>/<case name>``."""
    params = []
    for path in sorted(folder.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            params.append(pytest.param(case, id=f"{path.stem}/{case['name']}"))
    return params
