"""Tours always end: Chime ended a meeting by itself, or a tour's close schedule fired.

- EventBridge `Chime Meeting State Change` / `chime:MeetingEnded` (no attendee for five minutes,
  24 hours, or our DeleteMeeting): the tour's call and the tour end too (idempotent).
- EventBridge Scheduler `{action: close_tour, booking_id, tour_id}` (`realty.calls.closing`): a tour
  nobody started is closed as missed; one nobody ended is ended at its maximum length.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from realty.calls.events import handle_meeting_event
from realty.core.metrics import count
from realty.core.observability import EVENTBRIDGE_ID, instrument_handler

logger = Logger()


@instrument_handler(correlation_id_path=EVENTBRIDGE_ID)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if isinstance(event, dict) and event.get("action") == "close_tour":
        return _close(event)
    outcome = handle_meeting_event(event)
    logger.info("meeting event handled", extra=outcome)
    return outcome


def _close(event: dict[str, Any]) -> dict[str, Any]:
    from pydantic import ValidationError

    from realty.calls.closing import close_tour
    from realty.calls.models import CloseTourEvent

    try:
        close = CloseTourEvent.model_validate(event)
    except ValidationError:
        # Retrying cannot fix a malformed event; say so and let it go.
        logger.warning("malformed close event", extra={"keys": sorted(event)})
        count("CloseEventsRejected")
        return {"outcome": "rejected"}
    logger.append_keys(tour_id=close.tour_id, booking_id=close.booking_id)
    outcome = close_tour(close)
    logger.info("tour close handled", extra={"outcome": outcome})
    return {"outcome": outcome}
