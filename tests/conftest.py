"""Shared fixtures: sample events, the project's folders, a clean environment."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
SAMPLES = ROOT / "samples"

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def load_event(relative: str) -> dict[str, Any]:
    """An event file under ``events/`` (e.g. ``functions/extract/invoice.json``)."""
    data: dict[str, Any] = json.loads((EVENTS / relative).read_text(encoding="utf-8"))
    return data


@pytest.fixture(autouse=True)
def _clean_settings_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never inherit the developer's SLUICEWAY_* or DATABASE_URL settings."""
    for name in list(os.environ):
        if name.startswith("SLUICEWAY_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    from sluiceway.settings import get_settings

    get_settings.cache_clear()
