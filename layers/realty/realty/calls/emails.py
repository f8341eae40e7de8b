"""The emails a call sends: the buyer hears the tour started; both parties hear it ended and what comes
next; the realtor hears a recording failed.

Sent after the change is committed; the adapter never raises, so a lost email never undoes a call.
"""

from __future__ import annotations

from html import escape

from aws_lambda_powertools import Logger

from realty.adapters import email
from realty.core import clock
from realty.tours.models import Tour

logger = Logger(child=True)


def _send(address: str | None, name: str | None, subject: str, paragraphs: list[str]) -> bool:
    if not address:
        return False
    greeting = f"Hello {name or 'there'},"
    parts = [greeting, *paragraphs, "RealtyForYou"]
    return email.send(
        email.Email(
            to=[address],
            subject=subject,
            text="\n\n".join(parts) + "\n",
            html="<!doctype html><html><body>" + "".join(f"<p>{escape(p)}</p>" for p in parts) + "</body></html>",
        )
    )


def tour_started(tour: Tour) -> bool:
    place = f"{tour.property_address}, {tour.property_city}"
    return _send(
        tour.buyer_email,
        tour.buyer_name,
        f"Your tour of {tour.property_address} has started",
        [
            f"{tour.realtor_name or 'Your realtor'} has started the live video tour of {place}.",
            "Open RealtyForYou and join the tour from your tours list. When you join you can say whether "
            "the tour may be recorded (video and audio).",
        ],
    )


def recording_failed(tour: Tour) -> bool:
    place = f"{tour.property_address}, {tour.property_city}"
    return _send(
        tour.realtor_email,
        tour.realtor_name,
        f"The recording of your tour of {tour.property_address} failed",
        [
            f"The video service could not finish the video and audio recording of the tour of {place} "
            f"(scheduled {tour.scheduled_at}).",
            "The tour itself is not affected, but there is no recording to play back, transcribe or summarise.",
        ],
    )


def tour_ended(tour: Tour, *, recorded: bool) -> tuple[bool, bool]:
    """Both parties: the tour is over, and what happens next (the recording's results, or the notes).

    Whether the buyer and the realtor were emailed (False: no address, switched off in their
    notification preferences (`tour_ended`), or the send failed).
    """
    wanted = _wanted_tour_ended(tour.buyer_id, tour.realtor_id)
    place = f"{tour.property_address}, {tour.property_city}"
    subject = f"Your tour of {tour.property_address} has ended"
    if recorded:
        realtor_next = (
            "The video and audio recording is being processed. Its transcript, highlights and summary appear "
            "on the tour's page in RealtyForYou when they are ready, usually within the hour."
        )
        buyer_next = (
            "The tour was recorded with your consent. Its highlights appear on the tour's page in RealtyForYou "
            "when they are ready, beside the notes shared with you."
        )
    else:
        realtor_next = "The tour was not recorded. Your notes stay on the tour's page in RealtyForYou."
        buyer_next = "The tour was not recorded. Your notes stay on the tour's page in RealtyForYou."
    buyer = _send(
        tour.buyer_email if tour.buyer_id in wanted else None,
        tour.buyer_name,
        subject,
        [
            f"The live video tour of {place} with {tour.realtor_name or 'your realtor'} has ended.",
            buyer_next,
            "Interested? Reply to your realtor, or book another tour of this or another home in the app.",
        ],
    )
    realtor = _send(
        tour.realtor_email if tour.realtor_id in wanted else None,
        tour.realtor_name,
        subject,
        [
            f"The live video tour of {place} with {tour.buyer_name or 'the buyer'} has ended.",
            realtor_next,
            "You can follow up with the buyer from the booking in the app.",
        ],
    )
    return buyer, realtor


def _wanted_tour_ended(*user_ids: str) -> set[str]:
    """Those of these users who have not switched the "tour ended" email off (one BatchGetItem).

    Only the on/off choice applies, not quiet hours: the email follows the end of a call the recipient
    was on a moment ago. Preferences that cannot be read count as the defaults (every email), as for
    the booking emails: a lost read must not lose the email.
    """
    from realty.users.preferences import NotificationEvent, delivery, read_many

    try:
        saved = read_many(list(user_ids))
    except Exception:
        logger.exception("notification preferences not read; defaults apply")
        saved = {}
    now = clock.now()
    return {
        u
        for u in user_ids
        if delivery(saved.get(u), NotificationEvent.TOUR_ENDED, urgent=True, now=now, tour_start=None) == "send"
    }
