"""What the images function does with each uploaded file (S3 `ObjectCreated` under `uploads/`).

An upload's key says what it is: `uploads/<kind>/<owner_id>/<upload_id>`. This module reads the S3
records and hands each upload to the handler of its kind; what an upload means belongs to its
owner, which the images function passes in (`realty.properties.photos` for `properties`,
`realty.users.avatars` for `avatars`). Media sits below both owners (their services presign the
uploads with `realty.media.store`), so it never imports them.

The raw upload is always deleted once handled, so EXIF (GPS included) never outlives the request.
S3 delivers events at least once: a second delivery finds the upload gone and does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from aws_lambda_powertools import Logger

from realty.core import ids
from realty.core.config import get_settings
from realty.core.s3_events import created_objects

logger = Logger()


class Outcome(StrEnum):
    READY = "ready"
    FAILED = "failed"
    ORPHANED = "orphaned"  # its property, image record or user is gone
    DUPLICATE = "duplicate"  # the upload was already handled
    IGNORED = "ignored"  # not an upload this function handles


# (owner id, upload id, upload key) -> what became of the upload.
UploadHandler = Callable[[str, str, str], Outcome]


def handle_event(event: dict[str, Any], handlers: Mapping[str, UploadHandler]) -> list[Outcome]:
    """Every object an S3 event created; `handlers` maps an upload kind (the key's second part) to its owner."""
    return [_handle_upload(created.bucket, created.key, handlers) for created in created_objects(event)]


def _handle_upload(bucket: str, upload_key: str, handlers: Mapping[str, UploadHandler]) -> Outcome:
    if bucket != get_settings().media_bucket:
        logger.warning("event for another bucket ignored", extra={"bucket": bucket})
        return Outcome.IGNORED
    parts = upload_key.split("/")
    if len(parts) == 4 and parts[0] == "uploads" and ids.is_ulid(parts[2]) and ids.is_ulid(parts[3]):
        handler = handlers.get(parts[1])
        if handler is not None:
            return handler(parts[2], parts[3], upload_key)
    logger.warning("unexpected upload key ignored", extra={"key": upload_key})
    return Outcome.IGNORED
