"""What the images function does with each uploaded file (S3 `ObjectCreated` under `uploads/`).

Property photo: `uploads/properties/<property_id>/<image_id>` -> `media/properties/<pid>/<id>.jpg`
(at most 1200x800) and `..._thumb.jpg` (300x200, cover-cropped), recorded on the property as ready.
Avatar: `uploads/avatars/<user_id>/<upload_id>` -> `media/avatars/<user_id>/<upload_id>.jpg`
(400x400, cover-cropped), recorded as the user's avatar.

Anything that is not really an image is deleted (and a photo marked failed). The raw upload is
always deleted once handled, so EXIF (GPS included) never outlives the request. S3 delivers events
at least once: a second delivery finds the upload gone and does nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger

from realty.core import ids
from realty.core.audit import SYSTEM_ACTOR, record
from realty.core.config import get_settings
from realty.core.errors import NotFound
from realty.core.metrics import count
from realty.media import imaging
from realty.media import store as media
from realty.properties import service as properties
from realty.properties.models import ImageStatus
from realty.users import service as users

logger = Logger()

PHOTO_BOX = (1200, 800)
THUMBNAIL_SIZE = (300, 200)
AVATAR_SIZE = (400, 400)


class Outcome(StrEnum):
    READY = "ready"
    FAILED = "failed"
    ORPHANED = "orphaned"  # its property, image record or user is gone
    DUPLICATE = "duplicate"  # the upload was already handled
    IGNORED = "ignored"  # not an upload this function handles


def handle_event(event: dict[str, Any]) -> list[Outcome]:
    return [handle_record(r) for r in event.get("Records") or []]


def handle_record(s3_record: dict[str, Any]) -> Outcome:
    s3 = s3_record.get("s3") or {}
    bucket = (s3.get("bucket") or {}).get("name")
    # Keys in S3 event records are URL-encoded, with spaces as '+'.
    upload_key = unquote_plus(str((s3.get("object") or {}).get("key") or ""))
    if bucket != get_settings().media_bucket:
        logger.warning("event for another bucket ignored", extra={"bucket": bucket})
        return Outcome.IGNORED
    parts = upload_key.split("/")
    if len(parts) == 4 and parts[0] == "uploads" and ids.is_ulid(parts[2]) and ids.is_ulid(parts[3]):
        if parts[1] == "properties":
            return _property_photo(parts[2], parts[3], upload_key)
        if parts[1] == "avatars":
            return _avatar(parts[2], parts[3], upload_key)
    logger.warning("unexpected upload key ignored", extra={"key": upload_key})
    return Outcome.IGNORED


def _property_photo(property_id: str, image_id: str, upload_key: str) -> Outcome:
    image = properties.pending_image(property_id, image_id)
    if image is None or image.upload_key != upload_key:
        media.delete_objects([upload_key])
        return Outcome.ORPHANED
    upload = media.read_upload(upload_key)
    if upload is None or image.status is not ImageStatus.PENDING:
        if upload is not None:
            media.delete_objects([upload_key])
        return Outcome.DUPLICATE
    actor = upload.uploaded_by or SYSTEM_ACTOR
    try:
        picture = imaging.load(upload.body)
    except imaging.NotAnImage as error:
        media.delete_objects([upload_key])
        properties.record_image_failed(property_id, image, reason=str(error), actor_id=actor)
        count("ImagesRejected")
        return Outcome.FAILED
    photo = imaging.fit_within(picture, PHOTO_BOX)
    thumbnail = imaging.cover(picture, THUMBNAIL_SIZE)
    photo_key, thumbnail_key = properties.processed_keys(property_id, image_id)
    media.write_jpeg(photo_key, photo.data)
    media.write_jpeg(thumbnail_key, thumbnail.data)
    recorded = properties.record_image_ready(
        property_id,
        image,
        image_key=photo_key,
        thumbnail_key=thumbnail_key,
        size=(photo.width, photo.height),
        actor_id=actor,
    )
    # Deleted while we worked: take the fresh files away again.
    media.delete_objects([upload_key] if recorded else [upload_key, photo_key, thumbnail_key])
    count("ImagesProcessed")
    return Outcome.READY if recorded else Outcome.ORPHANED


def _avatar(user_id: str, upload_id: str, upload_key: str) -> Outcome:
    upload = media.read_upload(upload_key)
    if upload is None:
        return Outcome.DUPLICATE
    actor = upload.uploaded_by or SYSTEM_ACTOR
    try:
        picture = imaging.load(upload.body)
    except imaging.NotAnImage as error:
        media.delete_objects([upload_key])
        record(
            actor_id=actor,
            action="user.avatar_rejected",
            resource_type="user",
            resource_id=user_id,
            details={"upload_id": upload_id, "reason": str(error)},
        )
        count("ImagesRejected")
        return Outcome.FAILED
    avatar = imaging.cover(picture, AVATAR_SIZE)
    key = users.avatar_key(user_id, upload_id)
    media.write_jpeg(key, avatar.data)
    try:
        previous = users.set_avatar(user_id, key, actor_id=actor)
    except NotFound:
        media.delete_objects([upload_key, key])
        return Outcome.ORPHANED
    media.delete_objects([upload_key, previous if previous != key else None])
    count("ImagesProcessed")
    return Outcome.READY
