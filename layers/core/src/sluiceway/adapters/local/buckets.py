"""Every bucket of the embedded runtime: ``<root>/<bucket>/<key>``.

The state machines' ``s3:getObject`` reads (a Distributed Map's ItemReader) name a bucket and a
key; locally each bucket is a directory under one root (``.sluiceway/bucket/``, where the
document bucket ``documents`` lives too).
"""

from __future__ import annotations

from pathlib import Path

from sluiceway.adapters.local.objects import LocalObjectStore


class LocalBuckets:
    """Implements ``sluiceway.asl.ObjectStore`` (and ``put``) over directories."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _bucket(self, bucket: str) -> LocalObjectStore:
        if not bucket or "/" in bucket or bucket in (".", ".."):
            raise KeyError(f"invalid bucket name: {bucket!r}")
        return LocalObjectStore(self.root / bucket, bucket)

    def get(self, bucket: str, key: str) -> bytes:
        try:
            return self._bucket(bucket).get(key)
        except ValueError as exc:  # an invalid key: there is no such object
            raise KeyError(str(exc)) from None

    def put(self, bucket: str, key: str, body: bytes) -> None:
        self._bucket(bucket).put(key, body)
