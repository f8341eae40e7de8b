from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from realty.core.models import Model

ImageContentType = Literal["image/jpeg", "image/png", "image/webp"]


class ImageUploadRequest(Model):
    model_config = ConfigDict(extra="forbid")

    content_type: ImageContentType = Field(description="the Content-Type the file will be uploaded with")


class UploadAttributes(Model):
    """A presigned S3 POST: send `fields`, then the file (last), as multipart/form-data to `url`."""

    image_id: str = Field(description="the id the processed image will have")
    url: str
    fields: dict[str, str]
    expires_at: str
    max_bytes: int
    content_type: ImageContentType
