"""The embedded Postgres 16 + pgvector (the ``pgserver`` package): no Docker, no system install."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def _prune_dead_handles(pgdata: Path) -> None:
    """pgserver keeps a list of the processes holding the server and never forgets a killed one,
    which would keep the server running forever. Drop the pids that no longer exist."""
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        pids = []
    alive = [pid for pid in pids if isinstance(pid, int) and _alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class EmbeddedPostgres:
    """Starts (or attaches to) the embedded server for ``pgdata``; it stops when the last
    process holding it exits or calls :meth:`stop`."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata.resolve()
        self._server: Any = None

    def start(self) -> str:
        """Start the server if needed; returns its connection URL (a Unix socket)."""
        if not os.environ.get("XDG_RUNTIME_DIR"):
            # pgserver keeps its inter-process lock there; without it platformdirs warns.
            runtime = Path(tempfile.gettempdir()) / f"runtime-{os.getuid()}"
            runtime.mkdir(mode=0o700, exist_ok=True)
            os.environ["XDG_RUNTIME_DIR"] = str(runtime)
        try:
            from pgserver.postgres_server import get_server
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError(
                "the embedded Postgres needs the 'local' extra: pip install 'sluiceway[local]' "
                "(or set DATABASE_URL to a Postgres server with pgvector)"
            ) from exc
        self.pgdata.mkdir(parents=True, exist_ok=True)
        _prune_dead_handles(self.pgdata)
        self._server = get_server(self.pgdata, cleanup_mode="stop")
        return str(self._server.get_uri())

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
