"""``sluiceway db migrate|url``."""

from __future__ import annotations

import argparse

from sluiceway.adapters.postgres.db import migrate
from sluiceway.runtime.deps import database_url
from sluiceway.settings import get_settings


def main(args: argparse.Namespace) -> int:
    url, server = database_url(get_settings())
    try:
        if args.action == "url":
            print(url)
            return 0
        applied = migrate(url)
        print("applied: " + ", ".join(applied) if applied else "the schema is up to date")
        return 0
    finally:
        if server is not None:
            server.stop()
