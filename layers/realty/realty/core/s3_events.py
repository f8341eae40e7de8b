"""The objects an S3 event says were created: one reader for every function S3 notifies.

S3 reaches us two ways: bucket notifications (`Records`, keys URL-encoded with spaces as '+') and
EventBridge's "Object Created" events (keys as they are). Parsed by hand rather than through
Powertools' event data classes: importing those costs 14-21 ms of cold start (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus


@dataclass(frozen=True)
class CreatedObject:
    bucket: str
    key: str
    size: int


def created_objects(event: Mapping[str, Any]) -> list[CreatedObject]:
    """Each object created, in the event's order; other records (deletions, other sources) are skipped."""
    found: list[CreatedObject] = []
    for record in event.get("Records") or []:
        if record.get("eventSource") != "aws:s3" or not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        s3 = record.get("s3") or {}
        obj = s3.get("object") or {}
        bucket = str((s3.get("bucket") or {}).get("name", ""))
        found.append(CreatedObject(bucket, unquote_plus(str(obj.get("key", ""))), int(obj.get("size") or 0)))
    if event.get("source") == "aws.s3" and event.get("detail-type") == "Object Created":
        detail = event.get("detail") or {}
        obj = detail.get("object") or {}
        bucket = str((detail.get("bucket") or {}).get("name", ""))
        found.append(CreatedObject(bucket, str(obj.get("key", "")), int(obj.get("size") or 0)))
    return found
