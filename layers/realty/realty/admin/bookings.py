"""An admin's edit of any booking, through the same rules the parties' own changes go through."""

from __future__ import annotations

from realty.bookings import service as bookings
from realty.bookings.models import (
    AdminUpdateBookingRequest,
    BookingAttributes,
    DeclineBookingRequest,
    UpdateBookingRequest,
)
from realty.core.auth import Caller
from realty.core.envelope import Resource
from realty.core.errors import ValidationFailed


def admin_update_booking(
    caller: Caller, booking_id: str, request: AdminUpdateBookingRequest
) -> Resource[BookingAttributes]:
    """An admin's edit of any booking: a new time, length or notes as `update_booking` makes them, or
    a new status as its realtor (confirm, decline) or a party (cancel) would make it: the same
    transitions, slot and conflict checks, emails and audit (with before and after values)."""
    sent = request.model_fields_set
    if request.status is None:
        if "status" in sent:
            raise ValidationFailed("status must be confirmed, declined or cancelled", field="status")
        if "reason" in sent:
            raise ValidationFailed("a reason goes with status: declined", field="reason")
        edit = request.model_dump(mode="json", exclude_unset=True, exclude={"status", "reason"})
        return bookings.update_booking(caller, booking_id, UpdateBookingRequest.model_validate(edit))
    others = sorted(sent & {"scheduled_at", "duration_minutes", "notes"})
    if others:
        raise ValidationFailed(f"send status alone, then {', '.join(others)} in another request", field="status")
    if request.status == "declined":
        if request.reason is None:
            raise ValidationFailed("a declined booking needs a reason", field="reason")
        return bookings.decline_booking(caller, booking_id, DeclineBookingRequest(reason=request.reason))
    if "reason" in sent:
        raise ValidationFailed("a reason goes with status: declined", field="reason")
    if request.status == "confirmed":
        return bookings.confirm_booking(caller, booking_id)
    return bookings.cancel_booking(caller, booking_id)
