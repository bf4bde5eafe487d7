"""Connections, named queries from ``sql/queries.sql`` and versioned migrations."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, LiteralString

import orjson
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import set_json_dumps
from psycopg_pool import ConnectionPool

from sluiceway.errors import StoreUnavailable

if TYPE_CHECKING:
    from collections.abc import Callable

Row = dict[str, Any]

_NAME = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)
# Any constant works: it only has to be the same for every process migrating this database.
_MIGRATION_LOCK = 0x5_1CE_3A7


def _sql_dir() -> Any:
    return resources.files("sluiceway.adapters.postgres") / "sql"


@cache
def queries() -> dict[str, str]:
    """The named queries of every ``sql/*.sql`` file: ``{name: sql}``."""
    found: dict[str, str] = {}
    for entry in sorted(_sql_dir().iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".sql"):
            continue
        parts = _NAME.split(entry.read_text(encoding="utf-8"))
        for name, body in zip(parts[1::2], parts[2::2], strict=True):
            if name in found:
                raise ValueError(f"query {name!r} is defined twice (in {entry.name})")
            found[name] = body.strip()
    return found


def q(name: str) -> LiteralString:
    """One named query. The SQL comes from a packaged file, never from user input."""
    sql: LiteralString = queries()[name]
    return sql


def migrations() -> list[tuple[int, str, LiteralString]]:
    """``(version, name, sql)`` for every migration file, in version order."""
    found = []
    for entry in (_sql_dir() / "migrations").iterdir():
        match = re.match(r"^(\d{4})_(\w+)\.sql$", entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found)


def _json_dumps(value: Any) -> bytes:
    return orjson.dumps(value)


# psycopg serializes Jsonb parameters with this (orjson: several times faster than json).
set_json_dumps(_json_dumps)


def _configure(conn: psycopg.Connection[Any]) -> None:
    from pgvector.psycopg import register_vector

    try:
        register_vector(conn)
    except psycopg.ProgrammingError:
        # The vector type does not exist yet: the first migration creates it.
        conn.rollback()


def connect(url: str) -> psycopg.Connection[Row]:
    """A new connection with dict rows and the pgvector type registered."""
    try:
        conn = psycopg.connect(url, row_factory=dict_row, autocommit=False)
    except psycopg.OperationalError as exc:
        raise StoreUnavailable(f"cannot connect to Postgres: {exc}") from exc
    _configure(conn)
    conn.commit()
    return conn


def migrate(url: str) -> list[str]:
    """Apply every migration not applied yet; returns the names applied. Safe to run concurrently."""
    applied: list[str] = []
    with connect(url) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT clock_timestamp())"
            )
            conn.commit()
            done = {r["version"] for r in conn.execute("SELECT version FROM schema_migrations")}
            for version, name, sql in migrations():
                if version in done:
                    continue
                with conn.transaction():
                    conn.execute(sql)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (version, name),
                    )
                applied.append(f"{version:04d}_{name}")
            conn.commit()
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
            conn.commit()
    return applied


class Database:
    """A small pool of connections shared by the threads of one process."""

    def __init__(self, url: str, *, max_size: int = 8) -> None:
        self.url = url
        self._pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            kwargs={"row_factory": dict_row},
            configure=_configure,
            open=False,
            name="sluiceway",
        )
        self._opened = False
        self._on_close: list[Callable[[], None]] = []

    def on_close(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when the database is closed (adapters with their own connections)."""
        self._on_close.append(callback)

    def open(self) -> Database:
        if not self._opened:
            try:
                self._pool.open(wait=True, timeout=30)
            except Exception as exc:
                raise StoreUnavailable(f"cannot connect to Postgres: {exc}") from exc
            self._opened = True
        return self

    def close(self) -> None:
        for callback in self._on_close:
            callback()
        self._on_close.clear()
        if self._opened:
            self._pool.close()
            self._opened = False

    def connection(self) -> Any:
        """A pooled connection as a context manager; commits on success, rolls back on error."""
        self.open()
        return self._pool.connection()

    def fetch_all(self, name: str, /, **params: Any) -> list[Row]:
        with self.connection() as conn:
            return list(conn.execute(q(name), params).fetchall())

    def fetch_one(self, name: str, /, **params: Any) -> Row | None:
        with self.connection() as conn:
            row: Row | None = conn.execute(q(name), params).fetchone()
            return row

    def execute(self, name: str, /, **params: Any) -> int:
        with self.connection() as conn:
            return int(conn.execute(q(name), params).rowcount)

    def execute_many(self, name: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        with self.connection() as conn, conn.cursor() as cur:
            cur.executemany(q(name), rows)
