"""API keys: one or more per tenant, stored as their SHA-256 (the key itself is shown once)."""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "slw_"


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
