"""The local "S3 drop": files dropped in ``inbox/`` move into the bucket and become
S3-notification-shaped messages on the ingest queue, exactly as S3 would send them to SQS.

``inbox/report.pdf`` becomes ``incoming/<default tenant>/<id>/report.pdf``;
``inbox/acme/report.pdf`` becomes ``incoming/acme/<id>/report.pdf`` (a sub-folder names the
tenant). A file is taken once its size and modification time have stopped changing, so a file
still being written is left alone; partial-download names (``.part``, ``.tmp``, ``~``) and
hidden files are ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from sluiceway.ingest import INCOMING
from sluiceway.ports import OutgoingMessage

if TYPE_CHECKING:
    import threading

    from sluiceway.ports import ObjectStore, Queue

log = logging.getLogger("sluiceway.inbox")
_IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload", "~")


def s3_notification(bucket: str, key: str, size: int, etag: str, sequencer: str) -> dict[str, Any]:
    """An ``ObjectCreated:Put`` notification as S3 delivers it (keys are URL-encoded)."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "local",
                "eventTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "local"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "sluiceway-inbox",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "local"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": size,
                        "eTag": etag,
                        "sequencer": sequencer,
                    },
                },
            }
        ]
    }


class InboxWatcher:
    def __init__(
        self, inbox: Path, objects: ObjectStore, queue: Queue, *, tenant: str, interval: float = 0.5
    ) -> None:
        self.inbox = inbox
        self.objects = objects
        self.queue = queue
        self.tenant = tenant
        self.interval = interval
        self._seen: dict[Path, tuple[int, float]] = {}
        self.ingested = 0

    def _candidates(self) -> list[Path]:
        found = []
        for path in self.inbox.rglob("*"):
            rel = path.relative_to(self.inbox)
            if any(part.startswith(".") for part in rel.parts) or path.name.endswith(
                _IGNORED_SUFFIXES
            ):
                continue
            if path.is_file() and len(rel.parts) <= 2:
                found.append(path)
        return found

    def scan(self) -> int:
        """Ingest every file that has been stable since the previous scan; returns how many."""
        self.inbox.mkdir(parents=True, exist_ok=True)
        taken = 0
        current: dict[Path, tuple[int, float]] = {}
        for path in self._candidates():
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            signature = (stat.st_size, stat.st_mtime)
            if self._seen.get(path) == signature:
                try:
                    self.ingest(path)
                    taken += 1
                except OSError as exc:
                    log.warning("cannot ingest %s: %s", path, exc)
                    current[path] = signature
            else:
                current[path] = signature
        self._seen = current
        return taken

    def ingest(self, path: Path) -> str:
        """Move one file into the bucket and announce it on the queue; returns its key.
        The file is deleted only after both succeeded (a crash in between re-ingests it)."""
        rel = path.relative_to(self.inbox)
        tenant = rel.parts[0] if len(rel.parts) == 2 else self.tenant
        key = f"{INCOMING}/{tenant}/{uuid.uuid4().hex[:12]}/{path.name}"
        data = path.read_bytes()
        self.objects.put(key, data)
        notification = s3_notification(
            self.objects.bucket,
            key,
            len(data),
            hashlib.md5(data).hexdigest(),
            f"{time.time_ns():016X}",
        )
        self.queue.send(OutgoingMessage(json.dumps(notification)))
        path.unlink()
        self.ingested += 1
        log.info("ingested %s as %s", rel, key)
        return key

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.scan()
            except Exception:
                log.exception("inbox scan failed")
            stop.wait(self.interval)
