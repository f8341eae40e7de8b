"""Confirming a booking: the one atomic path behind a realtor's confirm and a listing's auto-confirm.

One transaction writes the booking as confirmed, a ConditionCheck that the property is still
active, the tour and its call, one slot item per 15 minutes for the realtor and for the property
(`attribute_not_exists`, so two overlapping confirmations can never both win, however they race),
and the audit item. A slot already held cancels all of it; then the slot is read to say which
tour is in the way. Reminders and emails follow the committed change and never undo it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from realty.bookings import slots, store
from realty.bookings.models import Booking
from realty.bookings.states import BookingStatus
from realty.core import clock, ids
from realty.core.errors import Conflict
from realty.core.metrics import count
from realty.tours.states import TourStatus
from realty.users import people

if TYPE_CHECKING:
    from realty.properties.models import Property


def confirm(
    booking: Booking,
    *,
    previous: Booking | None,
    prop: Property | None,
    audit: Callable[[str], dict[str, Any]],
    cancel_tour: tuple[str, TourStatus, str] | None = None,
) -> Booking:
    """The booking confirmed with its new tour. `previous` is the booking as read (None: a new
    request confirmed at once, written by this same transaction); `audit` makes the audit action
    from the new tour's id. A `previous` that was confirmed (a tour moved to an accepted proposal's
    time) has its slots freed and its tour (`cancel_tour`) cancelled in the same transaction."""
    from realty.bookings import emails, expiry, proposals, reminders
    from realty.properties.models import PropertyStatus
    from realty.tours.models import Call, CallStatus, Tour

    now = clock.now()
    start = clock.parse_iso(booking.scheduled_at)
    if start <= now:
        raise Conflict("the booking's time has passed; reschedule it first")
    if prop is None or prop.status is not PropertyStatus.ACTIVE:
        raise Conflict("the property is no longer open for tours")
    stamp = clock.iso(now)
    tour_id, call_id = ids.new_id(), ids.new_id()
    tour = Tour(
        id=tour_id,
        booking_id=booking.id,
        call_id=call_id,
        property_id=booking.property_id,
        realtor_id=booking.realtor_id,
        buyer_id=booking.buyer_id,
        status=TourStatus.SCHEDULED,
        scheduled_at=booking.scheduled_at,
        duration_minutes=booking.duration_minutes,
        ends_at=booking.ends_at,
        property_address=prop.address,
        property_city=prop.city,
        **{f"{side}_{copy}": getattr(booking, f"{side}_{copy}") for side in people.SIDES for copy in people.COPIED},
        created_at=stamp,
        updated_at=stamp,
    )
    call = Call(
        id=call_id,
        tour_id=tour_id,
        booking_id=booking.id,
        property_id=booking.property_id,
        realtor_id=booking.realtor_id,
        buyer_id=booking.buyer_id,
        scheduled_at=booking.scheduled_at,
        duration_minutes=booking.duration_minutes,
        status=CallStatus.CREATED,
        **{
            f"{side}_{copy}": getattr(booking, f"{side}_{copy}") for side in people.SIDES for copy in people.CALL_COPIED
        },
        created_at=stamp,
        updated_at=stamp,
    )
    confirmed = booking.model_copy(
        update={
            "status": BookingStatus.CONFIRMED,
            "tour_id": tour_id,
            "property_address": prop.address,
            "property_city": prop.city,
            "version": booking.version + 1 if previous is not None else booking.version,
            # A manual confirm closes an open proposal; an accepted one was marked by its caller.
            "proposals": proposals.superseded(booking, stamp=stamp),
            "updated_at": stamp,
        }
    )
    try:
        store.confirm_booking(
            confirmed,
            previous=previous,
            tour=tour,
            call=call,
            slots=slots.slots_for(confirmed, tour_id),
            audit=audit(tour_id),
            release_slots=slots.released_slots(previous) if previous is not None else None,
            cancel_tour=cancel_tour,
        )
    except Conflict:
        # Say which tour is in the way (the transaction only knows which slot was taken).
        taken = slots.first_conflict(
            booking.realtor_id, booking.property_id, start, booking.duration_minutes, ignore_booking=booking.id
        )
        if taken is not None:
            count("BookingConflicts")
            raise taken from None
        raise
    count("BookingsConfirmed")
    if previous is not None and previous.expires_at:
        expiry.sync_expiry(confirmed)  # deletes the request's expiry schedule
    reminders.sync_reminders(confirmed)
    emails.booking_confirmed(confirmed)
    return confirmed
