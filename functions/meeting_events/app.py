"""Chime ended a meeting by itself (no audio for five minutes, 24 hours, or our DeleteMeeting).

EventBridge `Chime Meeting State Change` / `chime:MeetingEnded`: the tour's call and the tour end
too (idempotent), so no call stays active forever.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from realty.calls.events import handle_meeting_event
from realty.core.observability import EVENTBRIDGE_ID, instrument_handler

logger = Logger()


@instrument_handler(correlation_id_path=EVENTBRIDGE_ID)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = handle_meeting_event(event)
    logger.info("meeting event handled", extra=outcome)
    return outcome
