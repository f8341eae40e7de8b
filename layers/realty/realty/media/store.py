"""Every S3 call for uploaded media. No Pillow here: the API functions import this module.

Raw uploads land under `uploads/` (expired by a lifecycle rule if never processed); the images
function writes the processed versions under `media/`. DynamoDB stores keys, never URLs: URLs are
made when something is read, from `MEDIA_BASE_URL` (a CDN) or as short-lived presigned GETs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from realty.core import clock
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.errors import NotConfigured

UPLOAD_MAX_BYTES = 10 * 1024 * 1024
UPLOAD_EXPIRES_SECONDS = 600
READ_URL_EXPIRES_SECONDS = 3600
IMAGE_CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp")
UPLOADED_BY_FIELD = "x-amz-meta-uploaded-by"


@dataclass(frozen=True)
class PresignedUpload:
    url: str
    fields: dict[str, str]
    expires_at: str


@dataclass(frozen=True)
class StoredObject:
    body: bytes
    uploaded_by: str | None


def _bucket() -> str:
    bucket = get_settings().media_bucket
    if not bucket:
        raise NotConfigured("media uploads are not configured (MEDIA_BUCKET)")
    return bucket


def presigned_upload(*, key: str, content_type: str, uploaded_by: str) -> PresignedUpload:
    """A browser-ready S3 POST for exactly this key, content type and uploader, up to 10 MB, for 10 minutes."""
    fields = {"Content-Type": content_type, UPLOADED_BY_FIELD: uploaded_by}
    conditions: list[Any] = [
        {"Content-Type": content_type},
        {UPLOADED_BY_FIELD: uploaded_by},
        ["content-length-range", 1, UPLOAD_MAX_BYTES],
    ]
    post = client("s3").generate_presigned_post(
        Bucket=_bucket(), Key=key, Fields=fields, Conditions=conditions, ExpiresIn=UPLOAD_EXPIRES_SECONDS
    )
    expires_at = clock.iso(clock.now() + timedelta(seconds=UPLOAD_EXPIRES_SECONDS))
    return PresignedUpload(
        url=str(post["url"]), fields={k: str(v) for k, v in post["fields"].items()}, expires_at=expires_at
    )


def url_for(key: str | None) -> str | None:
    """Where a client reads a processed object: the CDN URL, or a presigned GET (no network call)."""
    if not key:
        return None
    base = get_settings().media_base_url
    if base:
        return f"{base.rstrip('/')}/{key}"
    return str(
        client("s3").generate_presigned_url(
            "get_object", Params={"Bucket": _bucket(), "Key": key}, ExpiresIn=READ_URL_EXPIRES_SECONDS
        )
    )


def read_upload(key: str) -> StoredObject | None:
    """The raw upload, or None if it is gone (already processed: S3 events may arrive twice)."""
    try:
        response = client("s3").get_object(Bucket=_bucket(), Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
            return None
        raise
    metadata = response.get("Metadata") or {}
    body = response["Body"].read()
    return StoredObject(body=bytes(body), uploaded_by=metadata.get("uploaded-by"))


def write_jpeg(key: str, data: bytes) -> None:
    client("s3").put_object(
        Bucket=_bucket(), Key=key, Body=data, ContentType="image/jpeg", CacheControl="public, max-age=31536000"
    )


def delete_objects(keys: list[str | None]) -> None:
    """Delete what exists of these keys (missing keys are fine)."""
    wanted = sorted({k for k in keys if k})
    for start in range(0, len(wanted), 1000):
        batch = [{"Key": k} for k in wanted[start : start + 1000]]
        client("s3").delete_objects(Bucket=_bucket(), Delete={"Objects": batch, "Quiet": True})
