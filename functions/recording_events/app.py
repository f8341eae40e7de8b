"""The recordings bucket and Chime's media pipelines report back: a tour's recording arrived, or failed.

S3 `ObjectCreated` under `recordings/` (the concatenated audio -> the recording record, then
processing) and EventBridge `Chime Media Pipeline State Change` (a permanent failure -> the
recording is marked failed and the realtor told). Idempotent: S3 and EventBridge may deliver twice.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from realty.calls.events import handle_recording_event
from realty.core.observability import EVENTBRIDGE_ID, S3_REQUEST_ID, instrument_handler

logger = Logger()


@instrument_handler(correlation_id_path=f"{EVENTBRIDGE_ID} || {S3_REQUEST_ID}")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = handle_recording_event(event)
    logger.info("recording event handled", extra=outcome)
    return outcome
