"""Integration fixtures: one embedded Postgres (pgserver) per session, a migrated template
database, and a fresh database per test created from the template (fast, isolated)."""

from __future__ import annotations

import itertools
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from sluiceway.adapters.postgres.db import Database, migrate
from sluiceway.adapters.postgres.embedded import EmbeddedPostgres
from sluiceway.runtime.deps import Deps, set_deps
from sluiceway.settings import Settings

TEMPLATE = "sluiceway_template"
_counter = itertools.count()


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database."""
    return re.sub(r"(postgresql://[^/]*/)([^?]*)", rf"\g<1>{name}", url, count=1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The server's URL (database ``postgres``). Short path: Unix socket paths are limited."""
    root = Path(tempfile.mkdtemp(prefix="slw-pg-"))
    server = EmbeddedPostgres(root / "pgdata")
    url = server.start()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
        conn.execute(f"CREATE DATABASE {TEMPLATE}")
    migrate(with_database(url, TEMPLATE))
    try:
        yield url
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def database_url(pg_server: str) -> str:
    name = f"test_{next(_counter)}_{Path(tempfile.mktemp()).name.lower().replace('-', '_')}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    return with_database(pg_server, name)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(home=tmp_path / "home", DATABASE_URL=database_url, poll_seconds=0.05)


@pytest.fixture
def deps(settings: Settings) -> Iterator[Deps]:
    assert settings.database_url is not None
    built = Deps(settings, Database(settings.database_url))
    set_deps(built)
    try:
        yield built
    finally:
        set_deps(None)
        built.close()
