"""The emails a booking's life sends, built from the stored booking and sent through the adapter.

Sending is a side effect after the change is committed: the adapter logs and counts a failure and
never raises, so an email that cannot go out never fails or undoes a booking.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from html import escape
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from realty.adapters import email
from realty.bookings import ics, notify
from realty.bookings.models import Booking, Proposal, ReminderKind
from realty.core import clock
from realty.core.config import get_settings
from realty.users.preferences import NotificationEvent
from realty.users.preferences import NotificationEvent as Event

if TYPE_CHECKING:
    from realty.users.preferences import NotificationPreferences

Party = Literal["buyer", "realtor"]


@dataclass(frozen=True)
class _Recipient:
    email: str
    name: str
    user_id: str | None = None
    # How the recipient wants this message (`realty.bookings.notify`): its event, urgency, their preferences.
    event: NotificationEvent | None = None
    urgent: bool = False
    tour_start: datetime | None = None
    preferences: dict[str, NotificationPreferences] = field(default_factory=dict)


def _buyer(booking: Booking) -> _Recipient | None:
    if not booking.buyer_email:
        return None
    return _Recipient(booking.buyer_email, booking.buyer_name or "there", booking.buyer_id)


def _realtor(booking: Booking) -> _Recipient | None:
    if not booking.realtor_email:
        return None
    return _Recipient(booking.realtor_email, booking.realtor_name or "there", booking.realtor_id)


def _recipients(
    booking: Booking,
    parties: tuple[Party, ...],
    event: NotificationEvent,
    *,
    urgent: bool = False,
    preferences: dict[str, NotificationPreferences] | None = None,
) -> list[_Recipient]:
    """Who gets this message, each with their preferences (read in one call unless given)."""
    found = [r for r in (_buyer(booking) if p == "buyer" else _realtor(booking) for p in parties) if r is not None]
    if preferences is None:
        preferences = notify.preferences_of([r.user_id for r in found if r.user_id]) if found else {}
    start = clock.parse_iso(booking.scheduled_at)
    return [replace(r, event=event, urgent=urgent, tour_start=start, preferences=preferences) for r in found]


def _when(booking: Booking) -> str:
    """The tour's time as the listing's clock shows it, with its zone (UTC for a listing in UTC)."""
    start, end = clock.parse_iso(booking.scheduled_at), clock.parse_iso(booking.ends_at)
    if not booking.time_zone or booking.time_zone == "UTC":
        return f"{start:%a %d %b %Y, %H:%M}\u2013{end:%H:%M} UTC"
    zone = ZoneInfo(booking.time_zone)
    start, end = start.astimezone(zone), end.astimezone(zone)
    return f"{start:%a %d %b %Y, %H:%M}\u2013{end:%H:%M} {start.tzname()} ({booking.time_zone})"


def _place(booking: Booking) -> str:
    return f"{booking.property_address}, {booking.property_city}"


def _send(to: _Recipient, subject: str, paragraphs: list[str], attachments: tuple[email.Attachment, ...] = ()) -> bool:
    greeting = f"Hello {to.name},"
    paragraphs = [p for p in paragraphs if p]
    text = "\n\n".join([greeting, *paragraphs, "RealtyForYou"]) + "\n"
    html = "".join(f"<p>{escape(p)}</p>" for p in [greeting, *paragraphs, "RealtyForYou"])
    message = email.Email(
        to=[to.email],
        subject=subject,
        text=text,
        html=f"<!doctype html><html><body>{html}</body></html>",
        attachments=attachments,
    )
    if to.event is None:
        return email.send(message)
    return notify.deliver(
        message,
        user_id=to.user_id,
        event=to.event,
        urgent=to.urgent,
        tour_start=to.tour_start,
        preferences=to.preferences,
    )


def _invite(booking: Booking, method: Literal["REQUEST", "CANCEL"]) -> email.Attachment:
    invite = invite_of(booking, method)
    return email.Attachment(filename="invite.ics", content_type=ics.content_type(invite), content=ics.render(invite))


def invite_of(booking: Booking, method: Literal["REQUEST", "CANCEL"] = "REQUEST") -> ics.Invite:
    """The booking's calendar event (also what its calendar feed lists)."""
    organizer = ics.Person(booking.realtor_email or get_settings().sender_email, booking.realtor_name)
    attendees = [ics.Person(booking.buyer_email, booking.buyer_name)] if booking.buyer_email else []
    return ics.Invite(
        uid=ics.booking_uid(booking.id),
        sequence=booking.sequence,
        method=method,
        starts_at=clock.parse_iso(booking.scheduled_at),
        ends_at=clock.parse_iso(booking.ends_at),
        summary=f"Property tour: {booking.property_address}",
        location=_place(booking),
        description=(
            f"Live video tour of {_place(booking)} with {booking.realtor_name or 'your realtor'} "
            f"and {booking.buyer_name or 'the buyer'}. Join from the RealtyForYou app."
        ),
        organizer=organizer,
        attendees=attendees,
        stamp=clock.now(),
        time_zone=booking.time_zone,
    )


def booking_requested(booking: Booking, *, preferences: dict[str, NotificationPreferences] | None = None) -> None:
    for to in _recipients(booking, ("realtor",), Event.BOOKING_REQUESTED, preferences=preferences):
        notes = [f"Their note: {booking.notes}"] if booking.notes else []
        _send(
            to,
            f"New tour request: {booking.property_address}",
            [
                f"{booking.buyer_name or 'A buyer'} asked for a tour of {_place(booking)} on {_when(booking)}.",
                *notes,
                "Confirm or decline it in the RealtyForYou app.",
            ],
        )


def booking_rescheduled(booking: Booking, *, notify: tuple[Party, ...]) -> None:
    for to in _recipients(booking, notify, Event.BOOKING_RESCHEDULED):
        _send(
            to,
            f"Tour moved: {booking.property_address}",
            [
                f"The tour of {_place(booking)} was moved to {_when(booking)}.",
                "It waits for the realtor's confirmation again; you will get an updated invite then.",
            ],
        )


def booking_confirmed(booking: Booking) -> None:
    invite = _invite(booking, "REQUEST")
    for to in _recipients(booking, ("buyer", "realtor"), Event.BOOKING_CONFIRMED):
        _send(
            to,
            f"Tour confirmed: {booking.property_address}, {_when(booking)}",
            [
                f"The tour of {_place(booking)} is confirmed for {_when(booking)}.",
                "The calendar invite is attached. Join the video call from the RealtyForYou app.",
            ],
            (invite,),
        )


def booking_declined(booking: Booking) -> None:
    # "expired" is the reason `realty.bookings.expiry` declines with: nobody answered in time.
    if booking.decline_reason == "expired":
        subject = f"Tour request expired: {booking.property_address}"
        lines = [f"The realtor did not answer your request to tour {_place(booking)} on {_when(booking)} in time."]
    else:
        subject = f"Tour request declined: {booking.property_address}"
        lines = [
            f"The realtor declined your tour of {_place(booking)} on {_when(booking)}.",
            f"Their reason: {booking.decline_reason}" if booking.decline_reason else "",
        ]
    for to in _recipients(booking, ("buyer",), Event.BOOKING_DECLINED):
        _send(to, subject, [*lines, "You can request another time in the RealtyForYou app."])


def time_proposed(booking: Booking, proposal: Proposal) -> None:
    proposed = booking.model_copy(
        update={
            "scheduled_at": proposal.scheduled_at,
            "ends_at": _end(proposal),
            "duration_minutes": proposal.duration_minutes,
        }
    )
    for to in _recipients(booking, ("buyer",), Event.TIME_PROPOSED):
        _send(
            to,
            f"New time proposed: {booking.property_address}",
            [
                f"{booking.realtor_name or 'The realtor'} proposes to tour {_place(booking)} on {_when(proposed)} "
                f"instead of {_when(booking)}.",
                f"Their note: {proposal.message}" if proposal.message else "",
                "Accept or decline it in the RealtyForYou app.",
            ],
        )


def proposal_declined(booking: Booking, proposal: Proposal) -> None:
    proposed = booking.model_copy(update={"scheduled_at": proposal.scheduled_at, "ends_at": _end(proposal)})
    for to in _recipients(booking, ("realtor",), Event.PROPOSAL_DECLINED):
        _send(
            to,
            f"Proposed time declined: {booking.property_address}",
            [f"{booking.buyer_name or 'The buyer'} declined the time you proposed ({_when(proposed)})."],
        )


def _end(proposal: Proposal) -> str:
    return clock.iso(clock.parse_iso(proposal.scheduled_at) + timedelta(minutes=proposal.duration_minutes))


def booking_cancelled(booking: Booking, *, notify: tuple[Party, ...], had_invite: bool) -> None:
    attachments = (_invite(booking, "CANCEL"),) if had_invite else ()
    for to in _recipients(booking, notify, Event.BOOKING_CANCELLED):
        _send(
            to,
            f"Tour cancelled: {booking.property_address}",
            [f"The tour of {_place(booking)} on {_when(booking)} was cancelled."],
            attachments,
        )


def tour_missed(booking: Booking) -> int:
    """Both participants: nobody started the tour, so it was closed as missed; how to carry on.

    Returns how many emails were handled (sent, switched off by the recipient, or held)."""
    handled = 0
    for to in _recipients(booking, ("buyer", "realtor"), Event.TOUR_MISSED):
        other = booking.realtor_name if to.user_id == booking.buyer_id else booking.buyer_name
        handled += _send(
            to,
            f"Missed tour: {booking.property_address}",
            [
                f"The live video tour of {_place(booking)} on {_when(booking)} was not started, "
                "so it has been closed as missed.",
                f"Nothing was recorded. To see the home after all, agree a new time with {other or 'the other party'} "
                "and book another tour in the app.",
            ],
        )
    return handled


def reminder(booking: Booking, kind: ReminderKind) -> tuple[int, int]:
    """Remind both participants; returns (emails accepted, participants with an address)."""
    lead = "tomorrow" if kind is ReminderKind.DAY_BEFORE else "in 15 minutes"
    sent = 0
    # 15 minutes before the tour it cannot wait for anyone's morning; the day-before one can.
    recipients = _recipients(booking, ("buyer", "realtor"), Event.REMINDER, urgent=kind is ReminderKind.SOON)
    for to in recipients:
        sent += _send(
            to,
            f"Reminder: tour {lead} at {booking.property_address}",
            [
                f"Your tour of {_place(booking)} starts {lead}: {_when(booking)}.",
                "Join the video call from the RealtyForYou app.",
            ],
        )
    return sent, len(recipients)
