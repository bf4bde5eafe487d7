"""``sluiceway apikey create TENANT``: a key for the HTTP API, printed once (only its SHA-256 is
stored)."""

from __future__ import annotations

import argparse
import sys

from sluiceway.api.auth import check_tenant
from sluiceway.api.queries import create_api_key
from sluiceway.runtime.local.runner import LocalRuntime
from sluiceway.settings import get_settings


def main(args: argparse.Namespace) -> int:
    try:
        tenant = check_tenant(args.tenant)
    except ValueError as exc:
        print(f"sluiceway apikey: {exc}", file=sys.stderr)
        return 2
    with LocalRuntime(get_settings()) as runtime:
        key = create_api_key(runtime.deps.db, tenant, args.name)
    print(key)
    print(
        f"sluiceway apikey: created a key for tenant {tenant!r}; it is shown only now "
        "(send it as the x-api-key header)",
        file=sys.stderr,
    )
    return 0
