"""A property photo's upload, once it lands (the images function, through `realty.media.uploads`).

`uploads/properties/<property_id>/<image_id>` -> `media/properties/<pid>/<id>.jpg` (at most
1200x800) and `..._thumb.jpg` (300x200, cover-cropped), recorded on the property as ready.
Anything that is not really an image is deleted and the photo marked failed. Pillow is imported by
`realty.media.imaging` only when an image is decoded, and only the images function imports this.
"""

from __future__ import annotations

from realty.core.audit import SYSTEM_ACTOR
from realty.core.metrics import count
from realty.media import imaging
from realty.media import store as media
from realty.media.uploads import Outcome
from realty.properties import service as properties
from realty.properties.models import ImageStatus

PHOTO_BOX = (1200, 800)
THUMBNAIL_SIZE = (300, 200)


def handle_upload(property_id: str, image_id: str, upload_key: str) -> Outcome:
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
