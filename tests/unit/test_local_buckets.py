"""The embedded runtime's buckets: one directory each under a root."""

from __future__ import annotations

from pathlib import Path

import pytest

from sluiceway.adapters.local.buckets import LocalBuckets


def test_objects_live_under_their_bucket(tmp_path: Path) -> None:
    buckets = LocalBuckets(tmp_path)
    buckets.put("orders", "2026/a.json", b"[1]")
    assert (tmp_path / "orders" / "2026" / "a.json").read_bytes() == b"[1]"
    assert buckets.get("orders", "2026/a.json") == b"[1]"
    with pytest.raises(KeyError):
        buckets.get("documents", "2026/a.json")


@pytest.mark.parametrize(("bucket", "key"), [("", "k"), ("a/b", "k"), ("..", "k"), ("b", "../x")])
def test_bad_names_are_missing_objects(tmp_path: Path, bucket: str, key: str) -> None:
    with pytest.raises(KeyError):
        LocalBuckets(tmp_path).get(bucket, key)
