"""The `sluiceway` command as a user runs it: real processes, the embedded runtime's workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.integration

EXPECTED_TYPES = {
    "invoice-acme-2026-0142.pdf": "invoice",
    "invoice-fernhill-INV-88417.txt": "invoice",
    "letter-quillon-tidewater-2026-02-12.html": "letter",
    "quarterly-report-harrow-finch-2026-q1.md": "report",
    "quarterly-report-harrow-finch-2026-q1.pdf": "report",
    "service-agreement-larkspur-meridian.docx": "contract",
    "service-agreement-larkspur-meridian.md": "contract",
}
EXPECTED_ERRORS = {
    "corrupt.pdf": "CorruptDocument",
    "binary-junk.txt": "TextDecodingError",
    "empty.txt": "EmptyDocument",
    "latin1-garbage.txt": "TextDecodingError",
    "encrypted.pdf": "EncryptedDocument",
    "no-text.pdf": "NoTextFound",
}


def sluiceway(
    args: list[str], env: dict[str, str], timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sluiceway", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLUICEWAY_HOME": str(tmp_path / "home"),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }


def test_run_processes_every_sample_and_reports_json(env: dict[str, str]) -> None:
    proc = sluiceway(["run", "--json", "samples/documents", "samples/bad"], env)
    assert proc.returncode == 1, proc.stderr  # the bad samples fail, so the run does
    rows = {Path(r["file"]).name: r for r in map(json.loads, proc.stdout.splitlines())}
    assert len(rows) == len(list((SAMPLES / "documents").iterdir())) + len(
        list((SAMPLES / "bad").iterdir())
    )
    for name, doc_type in EXPECTED_TYPES.items():
        row = rows[name]
        assert row["status"] == "SUCCEEDED", row
        assert row["document_type"] == doc_type
        assert row["error"] is None
        names = {s["name"] for s in row["steps"]}
        assert names == {
            "Extract",
            "Plan",
            "Chunk",
            "Classify",
            "Embed",
            "ExtractFields",
            "Finalize",
        }
        for step in row["steps"]:
            assert step["status"] == "SUCCEEDED"
            assert datetime.fromisoformat(step["started_at"]) <= datetime.fromisoformat(
                step["finished_at"]
            )
    for name, error in EXPECTED_ERRORS.items():
        row = rows[name]
        assert row["status"] == "FAILED", row
        assert row["error"] == error
        assert name in row["message"]
        assert row["task_id"] and row["document_type"] is None
    assert all(
        r["status"] == "SUCCEEDED"
        for r in rows.values()
        if Path(r["file"]).parent.name == "documents"
    )

    shown = sluiceway(["tasks", "show", rows["corrupt.pdf"]["task_id"], "--json"], env, timeout=60)
    assert shown.returncode == 0, shown.stderr
    detail = json.loads(shown.stdout)
    assert [e["kind"] for e in detail["events"]][:2] == ["step.started", "step.failed"]


def test_run_table_and_exit_code(env: dict[str, str]) -> None:
    proc = sluiceway(["run", "samples/documents/invoice-fernhill-INV-88417.txt"], env)
    assert proc.returncode == 0, proc.stderr
    assert "SUCCEEDED" in proc.stdout and "invoice" in proc.stdout
    assert "1 succeeded, 0 failed" in proc.stderr


def test_run_rejects_missing_paths(env: dict[str, str]) -> None:
    proc = sluiceway(["run", "no/such/file.pdf"], env, timeout=60)
    assert proc.returncode == 2
    assert "no such file or folder" in proc.stderr


def test_invoke_walks_one_document_through_the_steps_by_hand(env: dict[str, str]) -> None:
    key = "incoming/sample-invoice/invoice-acme-2026-0142.pdf"
    first = sluiceway(
        [
            "invoke",
            "extract",
            "--event",
            "events/functions/extract/invoice.json",
            "--put",
            f"{key}=samples/documents/invoice-acme-2026-0142.pdf",
        ],
        env,
        timeout=60,
    )
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["media_type"] == "application/pdf"
    plan = sluiceway(
        ["invoke", "plan", "--event", "events/functions/plan/invoice.json"], env, timeout=60
    )
    assert plan.returncode == 0, plan.stderr
    assert json.loads(plan.stdout)["model_tier"] == "small"
    bad = sluiceway(
        ["invoke", "extract", "--event", "events/functions/extract/malformed-missing-key.json"],
        env,
        timeout=60,
    )
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["errorType"] == "InvalidEvent"
