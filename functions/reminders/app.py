"""Tour reminders, invoked by EventBridge Scheduler with `{booking_id, kind, sequence}`, and expiring
requests, with `{booking_id, action: expire, expires_at}` (`realty.bookings.expiry`), and emails held for a
recipient's quiet hours, with `{action: deliver, message_id}` (`realty.bookings.notify`).

Scheduler delivers at least once and retries failed invocations, so the handler is safe to run
twice: each reminder is recorded before it is sent and a second delivery sends nothing. A reminder
no email went out for is released and raised (`ReminderNotSent`), so the invocation is retried.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from realty.bookings.events import ReminderEvent
from realty.bookings.reminders import send_reminder
from realty.core.metrics import count
from realty.core.observability import instrument_handler

logger = Logger()


@instrument_handler(correlation_id_path="booking_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    if isinstance(event, dict) and event.get("action") == "expire":
        return _expire(event)
    if isinstance(event, dict) and event.get("action") == "deliver":
        return _deliver(event)
    try:
        reminder = ReminderEvent.model_validate(event)
    except ValidationError:
        # Retrying cannot fix a malformed event; say so and let it go.
        logger.warning("malformed reminder event", extra={"keys": sorted(event) if isinstance(event, dict) else None})
        count("ReminderEventsRejected")
        return {"outcome": "rejected"}
    logger.append_keys(booking_id=reminder.booking_id, kind=reminder.kind.value)
    outcome = send_reminder(reminder)
    logger.info("reminder handled", extra={"outcome": outcome})
    return {"outcome": outcome}


def _expire(event: dict[str, Any]) -> dict[str, str]:
    from realty.bookings.events import ExpiryEvent
    from realty.bookings.expiry import expire_request

    try:
        expiry = ExpiryEvent.model_validate(event)
    except ValidationError:
        logger.warning("malformed expiry event", extra={"keys": sorted(event)})
        count("ReminderEventsRejected")
        return {"outcome": "rejected"}
    logger.append_keys(booking_id=expiry.booking_id, kind="expiry")
    outcome = expire_request(expiry)
    logger.info("request expiry handled", extra={"outcome": outcome})
    return {"outcome": outcome}


def _deliver(event: dict[str, Any]) -> dict[str, str]:
    """An email held for the recipient's quiet hours (`realty.bookings.notify`)."""
    from realty.bookings.notify import deliver_held, payload_ok

    message_id = payload_ok(event)
    if message_id is None:
        logger.warning("malformed delivery event", extra={"keys": sorted(event)})
        count("ReminderEventsRejected")
        return {"outcome": "rejected"}
    outcome = deliver_held(message_id)
    logger.info("held email handled", extra={"outcome": outcome, "message_id": message_id})
    return {"outcome": outcome}
