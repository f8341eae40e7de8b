"""Chime ended a meeting by itself (no audio for five minutes, 24 hours, or our DeleteMeeting).

EventBridge `Chime Meeting State Change` / `chime:MeetingEnded`: the tour's call and the tour end
too (idempotent), so no call stays active forever.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from realty.calls.events import handle_meeting_event
from realty.core.metrics import metrics

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(raise_on_empty_metrics=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = handle_meeting_event(event)
    logger.info("meeting event handled", extra=outcome)
    return outcome
