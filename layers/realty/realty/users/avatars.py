"""An avatar's upload, once it lands (the images function, through `realty.media.uploads`).

`uploads/avatars/<user_id>/<upload_id>` -> `media/avatars/<user_id>/<upload_id>.jpg` (400x400,
cover-cropped), recorded as the user's avatar; the one it replaces is deleted. Anything that is not
really an image is deleted and the rejection audited. Only the images function imports this.
"""

from __future__ import annotations

from realty.core.audit import SYSTEM_ACTOR, record
from realty.core.errors import NotFound
from realty.core.metrics import count
from realty.media import imaging
from realty.media import store as media
from realty.media.uploads import Outcome
from realty.users import service as users

AVATAR_SIZE = (400, 400)


def handle_upload(user_id: str, upload_id: str, upload_key: str) -> Outcome:
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
