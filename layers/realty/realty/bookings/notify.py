"""Sending a booking's email as its recipient wants it: now, not at all, or after their quiet hours.

`realty.users.preferences.delivery` decides. A message that waits is stored whole as
`OUTBOX#<id>` / `MESSAGE` and a one-time Scheduler schedule `deliver-<id>` (the reminders' adapter
and wiring) invokes the reminders function with `{action: deliver, message_id}` when the quiet
hours end; the function claims the message with a conditional update before sending, so a second
delivery sends nothing, and gives the claim back when SES refuses it, so the retry sends it. Like
every email, this never raises into the change that caused it.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from realty.adapters import email, scheduler
from realty.bookings import delivery_store
from realty.core import clock, ids
from realty.core.metrics import count

if TYPE_CHECKING:
    from realty.users.preferences import NotificationEvent, NotificationPreferences

logger = Logger(child=True)

# A waiting message outlives its delivery (and Scheduler's retries) by a week.
KEPT_AFTER_DELIVERY = timedelta(days=7)


class DeliveryNotSent(Exception):
    """A waiting message SES did not accept; raised so that the invocation is retried."""


def deliver(
    message: email.Email,
    *,
    user_id: str | None,
    event: NotificationEvent,
    urgent: bool,
    tour_start: datetime | None,
    preferences: dict[str, NotificationPreferences],
) -> bool:
    """Send, skip or hold `message` for `user_id`; True when it is handled (sent, skipped or held)."""
    from realty.users.preferences import delivery

    choice = delivery(
        preferences.get(user_id) if user_id else None, event, urgent=urgent, now=clock.now(), tour_start=tour_start
    )
    if choice == "send":
        return email.send(message)
    if choice == "skip":
        count("EmailsSkippedByPreference")
        return True
    return _hold(message, until=choice)


def _hold(message: email.Email, *, until: datetime) -> bool:
    if not scheduler.configured():
        # The reminders function (a day-before reminder) cannot schedule: it sends when due.
        return email.send(message)
    message_id = ids.new_id()
    item = {
        "id": message_id,
        "to": list(message.to),
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "content": base64.b64encode(a.content).decode()}
            for a in message.attachments
        ],
        "deliver_at": clock.iso(until),
        "expires_at": int((until + KEPT_AFTER_DELIVERY).timestamp()),
    }
    try:
        delivery_store.hold_message(item)
    except Exception:
        # Never undo the change that sent it: send now rather than lose it.
        logger.exception("waiting message not stored; sent at once")
        return email.send(message)
    payload = {"action": "deliver", "message_id": message_id}
    scheduled = scheduler.put(scheduler.OneTimeSchedule(name=f"deliver-{message_id}", at=until, payload=payload))
    if not scheduled:
        return email.send(message)
    count("EmailsHeldForQuietHours")
    return True


def deliver_held(message_id: str) -> str:
    """Send a held message once: `sent`, `duplicate` or `missing`; raises `DeliveryNotSent` when SES
    refused it (the claim given back first)."""
    claimed = delivery_store.claim_message(message_id, claimed_at=clock.now_iso())
    if claimed is None:
        return "missing"
    if not isinstance(claimed, dict):
        return "duplicate"
    message = email.Email(
        to=claimed["to"],
        subject=claimed["subject"],
        text=claimed["text"],
        html=claimed["html"],
        attachments=tuple(
            email.Attachment(a["filename"], a["content_type"], base64.b64decode(a["content"]))
            for a in claimed.get("attachments") or []
        ),
    )
    if not email.send(message):
        delivery_store.release_message(message_id, claimed_at=str(claimed["claimed_at"]))
        raise DeliveryNotSent(f"held message {message_id} was not accepted")
    return "sent"


def preferences_of(user_ids: list[str]) -> dict[str, NotificationPreferences]:
    """The saved preferences of these users (one BatchGetItem)."""
    from realty.users.preferences import read_many

    try:
        return read_many([u for u in user_ids if u])
    except Exception:
        logger.exception("notification preferences not read; defaults apply")
        return {}


def payload_ok(event: dict[str, Any]) -> str | None:
    message_id = event.get("message_id")
    return message_id if isinstance(message_id, str) and ids.is_ulid(message_id) else None
