"""``sluiceway serve`` serves the API (with the ingest consumer and workers behind it), and
``sluiceway apikey create`` makes keys."""

from __future__ import annotations

import base64
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from sluiceway.adapters.postgres.db import Database
from sluiceway.api.auth import hash_key
from sluiceway.api.queries import create_api_key
from sluiceway.cli import main
from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.integration


def call(url: str, key: str | None = None, body: Any = None) -> tuple[int, dict[str, Any]]:
    headers = {"x-api-key": key} if key else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_serve_answers_on_the_api_and_runs_what_it_accepts(
    database_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLUICEWAY_HOME": str(tmp_path / "home"),
        "SLUICEWAY_WORKERS": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "sluiceway", "serve", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stderr is not None
    stderr = proc.stderr

    def read() -> None:
        for line in stderr:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    db = Database(database_url)
    try:
        base = None
        deadline = time.monotonic() + 60
        while base is None and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                assert proc.poll() is None, "sluiceway serve exited"
                continue
            match = re.search(r"API on (http://127\.0\.0\.1:\d+)/v1", line)
            base = match[1] if match else None
        assert base, "sluiceway serve did not announce its API"
        assert call(f"{base}/v1/health")[0] == 200

        key = create_api_key(db, "acme")
        document = SAMPLES / "documents" / "invoice-fernhill-INV-88417.txt"
        status, body = call(
            f"{base}/v1/tasks",
            key,
            {
                "filename": document.name,
                "content_base64": base64.b64encode(document.read_bytes()).decode(),
            },
        )
        assert status == 202, body
        task: dict[str, Any] = {}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            task = call(f"{base}/v1/tasks/{body['task_id']}", key)[1]
            if task["status"] in ("SUCCEEDED", "FAILED"):
                break
            time.sleep(0.2)
        assert task["status"] == "SUCCEEDED", task
        assert len(task["steps"]) == 7
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        db.close()
    assert proc.returncode == 0


def test_serve_refuses_a_port_in_use(database_url: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": database_url, "SLUICEWAY_HOME": str(tmp_path)}
        result = subprocess.run(
            [sys.executable, "-m", "sluiceway", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2
    assert f"127.0.0.1:{port}" in result.stderr and "--port" in result.stderr


def test_apikey_create_prints_a_key_stored_hashed(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SLUICEWAY_HOME", str(tmp_path))
    assert main(["apikey", "create", "acme", "--name", "ci"]) == 0
    out, err = capsys.readouterr()
    key = out.strip()
    assert key.startswith("slw_") and "shown only now" in err
    db = Database(database_url)
    try:
        row = db.fetch_one("api_key_tenant", key_hash=hash_key(key))
        assert row == {"tenant_id": "acme"}
        with db.connection() as conn:
            raw = conn.execute("SELECT * FROM api_keys").fetchall()
        assert key not in json.dumps(raw, default=str)
    finally:
        db.close()
    assert main(["apikey", "create", "no/slash"]) == 2
