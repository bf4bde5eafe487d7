"""The `sluiceway statemachine run|validate` contract: one JSON object, exit codes, a light start."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

HANDLERS = """
def double(event, context):
    return {"value": event["value"] * 2, "fn": context.function_name}

def explode(event, context):
    raise KeyError("no such thing")
"""

MACHINE = {
    "StartAt": "Double",
    "States": {
        "Double": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:double",
            "ResultPath": "$.doubled",
            "Next": "Invoke",
        },
        "Invoke": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "double", "Payload": {"value.$": "$.doubled.value"}},
            "OutputPath": "$.Payload",
            "End": True,
        },
    },
}


def run_cli(
    tmp_path: Path, machine: dict[str, Any] | str, *args: str
) -> subprocess.CompletedProcess[str]:
    definition = tmp_path / "machine.asl.json"
    definition.write_text(machine if isinstance(machine, str) else json.dumps(machine))
    (tmp_path / "handlers.py").write_text(HANDLERS)
    return subprocess.run(
        [sys.executable, "-m", "sluiceway", "statemachine", "run", str(definition), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_successful_run_prints_one_json_object(tmp_path: Path) -> None:
    proc = run_cli(
        tmp_path, MACHINE, "--input", '{"value": 3}', "--lambda", "double=handlers.py:double"
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "status": "SUCCEEDED",
        "output": {"value": 12, "fn": "double"},
        "error": None,
        "cause": None,
    }
    assert proc.stdout.count("\n") == 1


def test_a_failing_handler_gives_lambda_error_and_exit_1(tmp_path: Path) -> None:
    proc = run_cli(
        tmp_path, MACHINE, "--input", '{"value": 3}', "--lambda", "double=handlers.py:explode"
    )
    assert proc.returncode == 1
    result = json.loads(proc.stdout)
    assert result["status"] == "FAILED"
    assert result["error"] == "KeyError"
    cause = json.loads(result["cause"])
    assert cause["errorType"] == "KeyError"
    assert cause["errorMessage"] == "'no such thing'"
    assert isinstance(cause["stackTrace"], list)


@pytest.mark.parametrize(
    ("machine", "args"),
    [
        ("{not json", ["--input", "{}"]),
        ({"StartAt": "Nowhere", "States": {"A": {"Type": "Succeed"}}}, ["--input", "{}"]),
        (MACHINE, ["--input", "[1, 2"]),
        (MACHINE, ["--input", "{}", "--lambda", "double"]),
    ],
)
def test_invalid_definitions_and_inputs_exit_2(
    tmp_path: Path, machine: Any, args: list[str]
) -> None:
    proc = run_cli(tmp_path, machine, *args)
    assert proc.returncode == 2, proc.stdout
    assert proc.stderr.strip()


def test_the_run_path_imports_no_database_model_or_aws_library(tmp_path: Path) -> None:
    definition = tmp_path / "m.json"
    definition.write_text(
        json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    )
    code = (
        "import sys, io, contextlib\n"
        "from sluiceway.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['statemachine', 'run', {str(definition)!r}, '--input', '{{}}']) == 0\n"
        "heavy = [m for m in ('litellm', 'psycopg', 'boto3', 'numpy', 'pydantic') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_validate_reports_problems_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}}})
    )
    proc = subprocess.run(
        [sys.executable, "-m", "sluiceway", "statemachine", "validate", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "Missing" in proc.stderr
    good = subprocess.run(
        [
            sys.executable,
            "-m",
            "sluiceway",
            "statemachine",
            "validate",
            str(ROOT / "statemachines" / "document.asl.json"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert good.returncode == 0, good.stderr


def test_an_item_reader_reads_from_the_buckets_directory(tmp_path: Path) -> None:
    bucket = tmp_path / "buckets" / "orders"
    (bucket / "2026").mkdir(parents=True)
    (bucket / "2026" / "items.csv").write_text("id,qty\na,1\nb,2\n")
    machine = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                    "Parameters": {"Bucket": "orders", "Key": "2026/items.csv"},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Id",
                    "States": {"Id": {"Type": "Pass", "OutputPath": "$.id", "End": True}},
                },
                "End": True,
            }
        },
    }
    proc = run_cli(tmp_path, machine, "--buckets", str(tmp_path / "buckets"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["output"] == ["a", "b"]

    missing = run_cli(tmp_path, machine, "--buckets", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "not a directory" in missing.stderr
    (bucket / "2026" / "items.csv").unlink()
    gone = json.loads(run_cli(tmp_path, machine, "--buckets", str(tmp_path / "buckets")).stdout)
    assert (gone["status"], gone["error"]) == ("FAILED", "States.ItemReaderFailed")


def test_an_unmapped_function_fails_as_on_aws(tmp_path: Path) -> None:
    proc = run_cli(tmp_path, MACHINE, "--input", '{"value": 1}')
    result = json.loads(proc.stdout)
    assert (proc.returncode, result["error"]) == (1, "Lambda.ResourceNotFoundException")
    assert result["cause"].startswith(
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:double (Service: "
        "AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: "
    )
