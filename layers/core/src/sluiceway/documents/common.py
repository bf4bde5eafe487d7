"""What the format readers share: their raw result and the helpers for their error messages."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["RawText", "describe_error", "display_name", "human_size"]


@dataclass
class RawText:
    """What a format reader found, before :func:`~sluiceway.documents.text.normalize_text`."""

    text: str
    title: str | None = None
    pages: int | None = None
    encoding: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


def display_name(filename: str) -> str:
    """The base name of ``filename``, as error messages show it."""
    base = filename.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].strip()
    return base or "the document"


def human_size(size: int) -> str:
    """``"5 bytes"``, or the exact count plus a rounded unit: ``"3,800 bytes (3.7 KB)"``."""
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            return f"{size:,} bytes ({value:.1f} {unit})"
    raise AssertionError("unreachable")  # pragma: no cover


def describe_error(exc: BaseException) -> str:
    """A library exception as one short line, for a document error message."""
    message = " ".join(str(exc).split())
    if not message:
        return type(exc).__name__
    return message if len(message) <= 200 else message[:197] + "..."
