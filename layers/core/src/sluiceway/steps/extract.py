"""Extract: document bytes -> text (kept in the bucket) + metadata (kept in ``documents``)."""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from sluiceway.documents import extract_text
from sluiceway.domain.steps import ExtractInput, ExtractOutput
from sluiceway.errors import InvalidEvent
from sluiceway.ports import DocumentRecord

if TYPE_CHECKING:
    from sluiceway.runtime.deps import Deps


def text_key(task_id: str) -> str:
    return f"derived/{task_id}/text.txt"


def run(event: ExtractInput, deps: Deps) -> ExtractOutput:
    filename = event.filename or PurePosixPath(event.key).name
    try:
        data = deps.objects.get(event.key)
    except KeyError:
        raise InvalidEvent(f"no object {event.key!r} in bucket {deps.objects.bucket!r}") from None
    # Raises DocumentTooLarge (naming the file, its size and the limit) before parsing anything.
    extracted = extract_text(data, filename, max_bytes=deps.settings.max_document_bytes)
    key = text_key(event.task_id)
    deps.objects.put(key, extracted.text.encode("utf-8"))
    output = ExtractOutput(
        filename=filename,
        media_type=extracted.media_type,
        title=extracted.title,
        pages=extracted.pages,
        chars=len(extracted.text),
        encoding=extracted.encoding,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        text_key=key,
    )
    deps.store.save_document(
        DocumentRecord(
            task_id=event.task_id,
            tenant_id=event.tenant_id,
            bucket=event.bucket,
            key=event.key,
            filename=filename,
            size_bytes=output.size_bytes,
            sha256=output.sha256,
            media_type=output.media_type,
            title=output.title,
            pages=output.pages,
            chars=output.chars,
            encoding=output.encoding,
            text_key=key,
        )
    )
    return output
