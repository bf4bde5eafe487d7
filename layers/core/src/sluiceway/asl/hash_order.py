"""The key order of a Java ``HashMap``, which AWS Step Functions' JSON objects often follow.

Recorded on AWS: a payload template's ``.$`` fields, the ``AllHttpHeaders`` of a lambda:invoke
response, the objects a Distributed Map's CSV reader makes of rows. A ``HashMap`` iterates its
buckets in order (bucket = spread ``String.hashCode()`` masked by the table size, 16 grown by
doubling past a 0.75 load factor), each bucket's keys in insertion order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")


def java_string_hash(text: str) -> int:
    """Java's ``String.hashCode()`` (over UTF-16 code units), as an unsigned 32-bit value."""
    code = 0
    units = text.encode("utf-16-be")
    for i in range(0, len(units), 2):
        code = (31 * code + int.from_bytes(units[i : i + 2], "big")) & 0xFFFFFFFF
    return code


def hash_map_order(items: Iterable[tuple[str, T]]) -> list[tuple[str, T]]:
    """``items`` (distinct keys) in the order a ``HashMap`` they were put into iterates them."""
    listed = list(items)
    capacity = 16
    while len(listed) > capacity * 3 // 4:
        capacity *= 2

    def bucket(key: str) -> int:
        code = java_string_hash(key)
        return (code ^ (code >> 16)) & (capacity - 1)

    ranked = sorted(enumerate(listed), key=lambda item: (bucket(item[1][0]), item[0]))
    return [item for _, item in ranked]


def hash_map(mapping: dict[str, T]) -> dict[str, T]:
    """``mapping`` with its keys in ``HashMap`` order."""
    return dict(hash_map_order(mapping.items()))
