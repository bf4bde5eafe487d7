"""API keys: one or more per tenant, stored as their SHA-256 (the key itself is shown once)."""

from __future__ import annotations

import hashlib
import re
import secrets

KEY_PREFIX = "slw_"
#: Tenants name a folder of the bucket (``incoming/<tenant>/``, ``uploads/<tenant>/``): no slashes, nothing odd.
TENANT = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def check_tenant(tenant_id: str) -> str:
    if not TENANT.match(tenant_id) or tenant_id in (".", ".."):
        raise ValueError(
            f"invalid tenant {tenant_id!r}: 1-64 letters, digits, '.', '_' or '-' (it names a "
            "folder of the bucket)"
        )
    return tenant_id


def new_key() -> str:
    """A fresh key: ``slw_`` and 43 URL-safe characters (256 bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """What is stored and looked up: the hex SHA-256 of the key. Keys are random, so a fast hash
    is enough (nothing to brute-force, unlike passwords)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def display_prefix(key: str) -> str:
    """The first characters, kept in clear to tell keys apart in listings and logs."""
    return key[: len(KEY_PREFIX) + 6]
