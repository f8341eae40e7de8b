"""S3 `ObjectCreated` under `uploads/` in the media bucket: validate, strip metadata, resize, record."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from realty.bookings import people
from realty.core.observability import S3_REQUEST_ID, instrument_handler
from realty.media.uploads import UploadHandler, handle_event
from realty.properties import photos

logger = Logger()

# Each kind of upload (`uploads/<kind>/...`) and the capability that owns what it means.
HANDLERS: dict[str, UploadHandler] = {"properties": photos.handle_upload, "avatars": people.handle_avatar_upload}


@instrument_handler(correlation_id_path=S3_REQUEST_ID)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcomes = handle_event(event, HANDLERS)
    logger.info("uploads handled", extra={"outcomes": [o.value for o in outcomes]})
    return {"outcomes": [o.value for o in outcomes]}
