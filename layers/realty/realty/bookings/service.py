"""Booking rules: request, reschedule, cancel, confirm (into a tour), decline, and the lists.

Who may see a booking: its buyer, the realtor of its property, and admins (the tour rule,
`realty.tours.access`); anyone else gets a 404, as if it did not exist. Every status change goes
through the transition table (`realty.bookings.states.ensure_transition`). Emails and reminder
schedules follow a committed change and never undo it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from realty.bookings import slots, store
from realty.bookings.models import (
    Booking,
    BookingAttributes,
    CreateBookingRequest,
    DeclineBookingRequest,
    ProposalAttributes,
    UpdateBookingRequest,
)
from realty.bookings.states import BOOKING_TRANSITIONS, BookingStatus, ensure_transition
from realty.core import clock, ids
from realty.core.audit import audit_action
from realty.core.auth import Caller, Role
from realty.core.envelope import Relationship, Resource
from realty.core.errors import NotFound, ValidationFailed
from realty.core.metrics import count
from realty.core.pagination import decode_cursor, encode_cursor
from realty.properties.summary import PropertySummary
from realty.tours import access
from realty.tours import states as tour_states
from realty.tours.access import Scope
from realty.tours.states import TourStatus
from realty.users import people

if TYPE_CHECKING:
    from realty.bookings import emails
    from realty.properties.models import Property

# Changes import what only they need (emails, reminders, the property and tour stores) where they
# run: a container whose first request is a read, half of the bookings routes, never loads them.

# ---------------------------------------------------------------- responses


def to_resource(booking: Booking, viewer: Caller) -> Resource[BookingAttributes]:
    """The booking as `viewer` sees it: both people by name, contact details as `people` allows."""
    attributes = BookingAttributes(
        **people.participants(
            booking,
            viewer.user_id,
            viewer_is_admin=viewer.is_admin,
            confirmed=booking.status in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.MISSED),
        ),
        status=booking.status,
        scheduled_at=booking.scheduled_at,
        ends_at=booking.ends_at,
        duration_minutes=booking.duration_minutes,
        notes=booking.notes,
        decline_reason=booking.decline_reason,
        expires_at=booking.expires_at if booking.status is BookingStatus.PENDING else None,
        time_zone=booking.time_zone,
        proposals=[ProposalAttributes(**p.model_dump()) for p in booking.proposals],
        property=PropertySummary(id=booking.property_id, address=booking.property_address, city=booking.property_city),
        created_at=booking.created_at,
        updated_at=booking.updated_at,
    )
    relationships: dict[str, Relationship | list[Relationship] | None] = {
        "property": Relationship(id=booking.property_id, type="property"),
        "buyer": Relationship(id=booking.buyer_id, type="user"),
        "realtor": Relationship(id=booking.realtor_id, type="user"),
        "tour": Relationship(id=booking.tour_id, type="tour") if booking.tour_id else None,
    }
    return Resource[BookingAttributes](
        id=booking.id, type="booking", attributes=attributes, relationships=relationships
    )


# ---------------------------------------------------------------- helpers


def _visible(caller: Caller, booking_id: str) -> Booking:
    """The booking if the caller may see it: the same rule as its tour (`realty.tours.access`)."""
    booking = store.get_booking(booking_id) if ids.is_ulid(booking_id) else None
    if booking is None or not access.visible(caller, realtor_id=booking.realtor_id, buyer_id=booking.buyer_id):
        raise NotFound("no such booking")
    return booking


def _audit(caller: Caller, action: str, booking: Booking, **details: Any) -> dict[str, Any]:
    return audit_action(
        actor_id=caller.user_id, action=action, resource_type="booking", resource_id=booking.id, details=details
    )


_AUDITED_FIELDS = ("scheduled_at", "duration_minutes", "notes", "status")


def _before_after(before: Booking, after: Booking) -> dict[str, Any]:
    """The changed fields' values before and after, so support can see (and undo) any edit."""
    changed = [name for name in _AUDITED_FIELDS if getattr(before, name) != getattr(after, name)]

    def plain(value: Any) -> Any:
        return value.value if isinstance(value, BookingStatus) else value

    return {
        "before": {name: plain(getattr(before, name)) for name in changed},
        "after": {name: plain(getattr(after, name)) for name in changed},
    }


def _not_started(booking: Booking) -> tuple[str, TourStatus, str] | None:
    """For a confirmed booking, its tour must not have started; returns the tour to cancel with it."""
    from realty.tours import store as tours_store

    if booking.status is not BookingStatus.CONFIRMED or not booking.tour_id:
        return None
    tour = tours_store.get_tour(booking.tour_id)
    if tour is None:
        return None
    tour_states.ensure_transition(tour.status, TourStatus.CANCELLED)
    return tour.id, tour.status, clock.now_iso()


def _other_parties(caller: Caller) -> tuple[emails.Party, ...]:
    if caller.role is Role.BUYER:
        return ("realtor",)
    if caller.role is Role.REALTOR:
        return ("buyer",)
    return ("buyer", "realtor")


# ---------------------------------------------------------------- buyer: request


def create_booking(caller: Caller, request: CreateBookingRequest) -> Resource[BookingAttributes]:
    from realty.availability import rules as calendar_rules
    from realty.availability import store as availability_store
    from realty.bookings import emails, expiry, free
    from realty.properties.models import PropertyStatus
    from realty.properties.service import find_listed_property
    from realty.users import preferences

    start = request.scheduled_at
    slots.check_window(start)
    # A withdrawn listing is a 404 like a missing id, never a 422 that would reveal it exists.
    prop = find_listed_property(caller, request.property_id)
    if prop is None:
        raise NotFound("no such property", field="property_id")
    if prop.status is not PropertyStatus.ACTIVE:
        raise ValidationFailed(f"the property is {prop.status.value} and not open for tours", field="property_id")
    if prop.realtor_id == caller.user_id:
        raise ValidationFailed("you cannot book a tour of your own property", field="property_id")
    # The calendar and both people (their names and emails go on the booking) in one read.
    calendar = store.read_calendar(
        prop.realtor_id,
        prop.id,
        slots.slot_starts(start, request.duration_minutes),
        user_ids=(caller.user_id, prop.realtor_id),
        availability=True,
    )
    taken = slots.conflict_in(calendar.taken, ignore_booking=None)
    if taken is not None:
        raise taken
    listing = free.listing_calendar(prop, availability_store.calendar_from_item(calendar.availability))
    free.check_bookable(listing, start, request.duration_minutes)
    buyer, realtor = calendar.users.get(caller.user_id), calendar.users.get(prop.realtor_id)
    stamp = clock.now_iso()
    booking = Booking(
        id=ids.new_id(),
        buyer_id=caller.user_id,
        realtor_id=prop.realtor_id,
        property_id=prop.id,
        property_address=prop.address,
        property_city=prop.city,
        scheduled_at=clock.iso(start),
        duration_minutes=request.duration_minutes,
        ends_at=clock.iso(slots.ends_at(start, request.duration_minutes)),
        notes=request.notes or None,
        status=BookingStatus.PENDING,
        **(people.copies("buyer", buyer) if buyer else {"buyer_email": caller.email or None}),
        **people.copies("realtor", realtor),
        created_at=stamp,
        updated_at=stamp,
    )
    booking = booking.model_copy(update={"time_zone": listing.rules.zone.key})
    if listing.rules.auto_confirm:
        return to_resource(_auto_confirm(caller, booking, prop), caller)
    deadline = calendar_rules.expiry_deadline(listing.rules, start=start, now=clock.now())
    booking = booking.model_copy(update={"expires_at": clock.iso(deadline) if deadline else None})
    audit = _audit(caller, "booking.created", booking, property_id=prop.id, scheduled_at=booking.scheduled_at)
    store.create_booking(booking, audit=audit)
    count("BookingsCreated")
    if booking.expires_at:
        expiry.sync_expiry(booking)
    # The realtor's preferences came with the calendar read: the email needs no read of its own.
    wishes = {user_id: p for user_id, item in calendar.preferences.items() if (p := preferences.from_stored(item))}
    emails.booking_requested(booking, preferences=wishes)
    return to_resource(booking, caller)


def _auto_confirm(caller: Caller, booking: Booking, prop: Property) -> Booking:
    """A listing that confirms requests inside availability: the request is written confirmed, with its
    tour, call and slots, by the realtor's own confirmation transaction. Of buyers racing for one time,
    one gets the tour and the others the 409 `SLOT_TAKEN`, with nothing of theirs written."""
    from realty.bookings import confirmation

    def audit(tour_id: str) -> dict[str, Any]:
        details = {"property_id": prop.id, "scheduled_at": booking.scheduled_at, "tour_id": tour_id}
        return _audit(caller, "booking.auto_confirmed", booking, **details)

    confirmed = confirmation.confirm(booking, previous=None, prop=prop, audit=audit)
    count("BookingsCreated")
    count("BookingsAutoConfirmed")
    return confirmed


# ---------------------------------------------------------------- reads


def get_booking(caller: Caller, booking_id: str) -> Resource[BookingAttributes]:
    return to_resource(_visible(caller, booking_id), caller)


def _moment(value: str | None, name: str) -> tuple[datetime, bool] | None:
    """A `from`/`to` filter: (the moment, whether it was a bare date)."""
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC), True
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise ValidationFailed(f"{name} must be a date (2026-12-01) or an ISO-8601 date-time", field=name) from error
    if moment.tzinfo is None:
        raise ValidationFailed(f"{name} must include a time zone, e.g. 2026-12-01T15:00:00Z", field=name)
    return moment.astimezone(UTC), False


def _bounds(from_: str | None, to: str | None) -> tuple[str | None, str | None]:
    """Sort-key bounds for `from`/`to` (both inclusive; a date covers its whole day)."""
    lower, upper = _moment(from_, "from"), _moment(to, "to")
    if lower and upper and lower[0] > upper[0]:
        raise ValidationFailed("from must not be after to", field="from")
    lower_key = clock.iso(lower[0]) if lower else None
    upper_key = None
    if upper:
        moment, whole_day = upper
        # "~" sorts after every id character: the bound includes a booking at exactly that time.
        upper_key = clock.iso(moment + timedelta(days=1)) if whole_day else clock.iso(moment) + "#~"
    return lower_key, upper_key


def list_bookings(
    caller: Caller,
    *,
    scope: Scope,
    status: BookingStatus | None,
    from_: str | None,
    to: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Resource[BookingAttributes]], str | None]:
    """`scope` is the route's view: `buyer` (my bookings), `realtor` (my properties'), `admin` (all)."""
    lower, upper = _bounds(from_, to)
    if scope is Scope.ADMIN:
        index, pk = "GSI4", "BOOKINGS"
    elif scope is Scope.REALTOR:
        index, pk = "GSI2", f"REALTOR#{caller.user_id}#BOOKINGS"
    else:
        index, pk = "GSI1", f"BUYER#{caller.user_id}#BOOKINGS"
    by_schedule = index != "GSI4"
    key_scope = f"bookings|{scope}|{caller.user_id}|{status}|{lower}|{upper}"
    query = store.BookingQuery(
        index=index,
        pk=pk,
        status=status.value if status else None,
        lower=lower,
        upper=upper,
        by_schedule=by_schedule,
        limit=limit,
        start_key=decode_cursor(cursor, key_scope),
    )
    bookings, last_key = store.list_bookings(query)
    return [to_resource(b, caller) for b in bookings], encode_cursor(last_key, key_scope)


# ---------------------------------------------------------------- changes by either side


def update_booking(caller: Caller, booking_id: str, request: UpdateBookingRequest) -> Resource[BookingAttributes]:
    """New notes, or a new time/length: a reschedule sends a confirmed booking back to pending,
    frees its slots and cancels its tour in the same transaction, and raises the invite's SEQUENCE."""
    from realty.bookings import emails, expiry, proposals, reminders

    booking = _visible(caller, booking_id)
    sent = request.model_fields_set
    if not sent:
        raise ValidationFailed("nothing to change: send scheduled_at, duration_minutes or notes")
    if not BOOKING_TRANSITIONS[booking.status]:
        ensure_transition(booking.status, BookingStatus.PENDING)  # a finished booking: says so
    start = request.scheduled_at or clock.parse_iso(booking.scheduled_at)
    duration = request.duration_minutes or booking.duration_minutes
    moved = clock.iso(start) != booking.scheduled_at or duration != booking.duration_minutes
    notes = (request.notes or None) if "notes" in sent else booking.notes
    if not moved and notes == booking.notes:
        return to_resource(booking, caller)
    stamp = clock.now_iso()
    if not moved:
        # Only the notes: the tour (started or not) is left alone.
        updated = booking.model_copy(update={"notes": notes, "version": booking.version + 1, "updated_at": stamp})
        audit = _audit(caller, "booking.updated", booking, **_before_after(booking, updated))
        store.save_booking(updated, previous=booking, audit=audit)
        return to_resource(updated, caller)
    ensure_transition(booking.status, BookingStatus.PENDING)
    cancel_tour = _not_started(booking)
    slots.check_window(start)
    taken = slots.first_conflict(booking.realtor_id, booking.property_id, start, duration, ignore_booking=booking.id)
    if taken is not None:
        raise taken
    deadline = _move_rules(booking, start, duration, check=caller.role is Role.BUYER)
    updated = booking.model_copy(
        update={
            "scheduled_at": clock.iso(start),
            "duration_minutes": duration,
            "ends_at": clock.iso(slots.ends_at(start, duration)),
            "notes": notes,
            "status": BookingStatus.PENDING,
            "tour_id": None,
            "sequence": booking.sequence + 1,
            "version": booking.version + 1,
            "expires_at": deadline,
            "proposals": proposals.superseded(booking, stamp=stamp),
            "updated_at": stamp,
        }
    )
    audit = _audit(
        caller,
        "booking.rescheduled",
        booking,
        previous_scheduled_at=booking.scheduled_at,
        scheduled_at=updated.scheduled_at,
        duration_minutes=duration,
        previous_status=booking.status.value,
        **_before_after(booking, updated),
    )
    store.save_booking(
        updated, previous=booking, audit=audit, release_slots=slots.released_slots(booking), cancel_tour=cancel_tour
    )
    count("BookingsRescheduled")
    if booking.status is BookingStatus.CONFIRMED:
        reminders.sync_reminders(updated)
    if booking.expires_at or updated.expires_at:
        expiry.sync_expiry(updated)
    emails.booking_rescheduled(updated, notify=_other_parties(caller))
    return to_resource(updated, caller)


def _move_rules(booking: Booking, start: datetime, duration: int, *, check: bool) -> str | None:
    """The listing's rules for a moved booking: with `check` (a buyer moving it), only into the
    listing's free time (its realtor and admins may place a tour anywhere: it is the realtor's own
    calendar). Returns the moved request's new expiry deadline, if the realtor sets one."""
    from realty.availability import rules as calendar_rules
    from realty.bookings import free
    from realty.properties import store as properties

    prop = properties.get_property(booking.property_id)
    if prop is None:
        return None
    listing = free.listing_calendar(prop)
    if check:
        free.check_bookable(listing, start, duration, ignore_booking=booking.id)
    deadline = calendar_rules.expiry_deadline(listing.rules, start=start, now=clock.now())
    return clock.iso(deadline) if deadline else None


def cancel_booking(caller: Caller, booking_id: str) -> Resource[BookingAttributes]:
    from realty.bookings import emails, expiry, proposals, reminders

    booking = _visible(caller, booking_id)
    ensure_transition(booking.status, BookingStatus.CANCELLED)
    cancel_tour = _not_started(booking)
    updated = booking.model_copy(
        update={
            "status": BookingStatus.CANCELLED,
            "sequence": booking.sequence + 1,
            "version": booking.version + 1,
            "cancelled_by": caller.user_id,
            "proposals": proposals.superseded(booking, stamp=clock.now_iso()),
            "updated_at": clock.now_iso(),
        }
    )
    audit = _audit(
        caller, "booking.cancelled", booking, previous_status=booking.status.value, **_before_after(booking, updated)
    )
    store.save_booking(
        updated, previous=booking, audit=audit, release_slots=slots.released_slots(booking), cancel_tour=cancel_tour
    )
    count("BookingsCancelled")
    reminders.cancel_reminders(booking.id)
    if booking.expires_at and booking.status is BookingStatus.PENDING:
        expiry.sync_expiry(updated)
    had_invite = booking.status is BookingStatus.CONFIRMED
    emails.booking_cancelled(updated, notify=_other_parties(caller), had_invite=had_invite)
    return to_resource(updated, caller)


# ---------------------------------------------------------------- realtor: confirm / decline


def confirm_booking(caller: Caller, booking_id: str) -> Resource[BookingAttributes]:
    """Pending -> confirmed, with its tour, call and slots, in one transaction (`confirmation.confirm`)."""
    from realty.bookings import confirmation
    from realty.properties import store as properties

    booking = _visible(caller, booking_id)
    ensure_transition(booking.status, BookingStatus.CONFIRMED)
    prop = properties.get_property(booking.property_id)

    def audit(tour_id: str) -> dict[str, Any]:
        confirmed = {"status": BookingStatus.CONFIRMED.value}
        return _audit(
            caller,
            "booking.confirmed",
            booking,
            tour_id=tour_id,
            scheduled_at=booking.scheduled_at,
            before={"status": booking.status.value},
            after=confirmed,
        )

    return to_resource(confirmation.confirm(booking, previous=booking, prop=prop, audit=audit), caller)


def decline_booking(caller: Caller, booking_id: str, request: DeclineBookingRequest) -> Resource[BookingAttributes]:
    from realty.bookings import emails, expiry, proposals, reminders

    booking = _visible(caller, booking_id)
    ensure_transition(booking.status, BookingStatus.DECLINED)
    updated = booking.model_copy(
        update={
            "status": BookingStatus.DECLINED,
            "decline_reason": request.reason,
            "version": booking.version + 1,
            "proposals": proposals.superseded(booking, stamp=clock.now_iso()),
            "updated_at": clock.now_iso(),
        }
    )
    audit = _audit(caller, "booking.declined", booking, **_before_after(booking, updated))
    store.save_booking(updated, previous=booking, audit=audit)
    count("BookingsDeclined")
    reminders.cancel_reminders(booking.id)
    if booking.expires_at:
        expiry.sync_expiry(updated)
    emails.booking_declined(updated)
    return to_resource(updated, caller)
