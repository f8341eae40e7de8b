"""Proposals: the realtor answers a request or a confirmed tour with a new time; the buyer accepts
(the booking moves and is confirmed there in one transaction) or declines.

Every proposal stays on the booking (`proposals`, oldest first) with who proposed it, who answered
and how, so the history is shown with the booking. At most one is open: a newer proposal, or any
other change of the booking's time or status, supersedes it. Answers are writes conditioned on the
version read, so a proposal accepted twice (or accepted while the realtor cancels) ends in one state.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from realty.bookings import service, slots, store
from realty.bookings.models import Booking, BookingAttributes, Proposal, ProposalStatus, ProposeTimeRequest
from realty.bookings.states import BookingStatus
from realty.core import clock, ids
from realty.core.auth import Caller
from realty.core.config import get_settings
from realty.core.envelope import Resource
from realty.core.errors import Conflict, NotFound, ValidationFailed
from realty.core.metrics import count

NOT_OPEN = "the proposal is {status}; it can no longer be answered"


def superseded(booking: Booking, *, stamp: str) -> list[Proposal]:
    """The booking's proposals with the open one (if any) marked superseded."""
    return [
        p.model_copy(update={"status": ProposalStatus.SUPERSEDED, "answered_at": stamp})
        if p.status is ProposalStatus.OPEN
        else p
        for p in booking.proposals
    ]


def propose(caller: Caller, booking_id: str, request: ProposeTimeRequest) -> Resource[BookingAttributes]:
    """Realtor (or admin): propose a new time for a pending request or a confirmed tour not started."""
    from realty.bookings import emails

    booking = service._visible(caller, booking_id)
    if booking.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        raise Conflict(f"a {booking.status.value} booking cannot get a new time", code="INVALID_TRANSITION")
    service._not_started(booking)
    start = request.scheduled_at
    duration = request.duration_minutes or booking.duration_minutes
    if clock.iso(start) == booking.scheduled_at and duration == booking.duration_minutes:
        raise ValidationFailed("that is the booking's time already", field="scheduled_at")
    slots.check_window(start)
    taken = slots.first_conflict(booking.realtor_id, booking.property_id, start, duration, ignore_booking=booking.id)
    if taken is not None:
        raise taken
    stamp = clock.now_iso()
    proposal = Proposal(
        id=ids.new_id(),
        proposed_by=caller.user_id,
        scheduled_at=clock.iso(start),
        duration_minutes=duration,
        message=request.message or None,
        created_at=stamp,
    )
    updated = booking.model_copy(
        update={
            "proposals": [*superseded(booking, stamp=stamp), proposal],
            "version": booking.version + 1,
            "updated_at": stamp,
        }
    )
    audit = service._audit(
        caller, "booking.time_proposed", booking, proposal_id=proposal.id, scheduled_at=proposal.scheduled_at
    )
    store.save_booking(updated, previous=booking, audit=audit)
    count("BookingTimesProposed")
    emails.time_proposed(updated, proposal)
    return service.to_resource(updated, caller)


def _open(booking: Booking, proposal_id: str) -> Proposal:
    proposal = next((p for p in booking.proposals if p.id == proposal_id), None)
    if proposal is None:
        raise NotFound("no such proposal")
    if proposal.status is not ProposalStatus.OPEN:
        raise Conflict(NOT_OPEN.format(status=proposal.status.value), code="INVALID_TRANSITION")
    return proposal


def _answered(
    booking: Booking, proposal: Proposal, status: ProposalStatus, caller: Caller, stamp: str
) -> list[Proposal]:
    return [
        p.model_copy(update={"status": status, "answered_by": caller.user_id, "answered_at": stamp})
        if p.id == proposal.id
        else p
        for p in booking.proposals
    ]


def decline(caller: Caller, booking_id: str, proposal_id: str) -> Resource[BookingAttributes]:
    """Buyer (or admin): keep the booking as it is; the realtor is told."""
    from realty.bookings import emails

    booking = service._visible(caller, booking_id)
    proposal = _open(booking, proposal_id)
    stamp = clock.now_iso()
    updated = booking.model_copy(
        update={
            "proposals": _answered(booking, proposal, ProposalStatus.DECLINED, caller, stamp),
            "version": booking.version + 1,
            "updated_at": stamp,
        }
    )
    audit = service._audit(caller, "booking.proposal_declined", booking, proposal_id=proposal.id)
    store.save_booking(updated, previous=booking, audit=audit)
    emails.proposal_declined(updated, proposal)
    return service.to_resource(updated, caller)


def accept(caller: Caller, booking_id: str, proposal_id: str) -> Resource[BookingAttributes]:
    """Buyer (or admin): the booking moves to the proposed time and is confirmed there, in the
    confirmation's one transaction (a confirmed tour's old slots freed and its tour cancelled with
    it); the invite's SEQUENCE goes up and the reminders move."""
    from realty.bookings import confirmation
    from realty.properties import store as properties

    booking = service._visible(caller, booking_id)
    proposal = _open(booking, proposal_id)
    start = clock.parse_iso(proposal.scheduled_at)
    if start < clock.now() + timedelta(minutes=get_settings().booking_min_lead_minutes):
        raise Conflict("the proposed time is too close or has passed; ask the realtor for another")
    cancel_tour = service._not_started(booking)
    stamp = clock.now_iso()
    moved = booking.model_copy(
        update={
            "scheduled_at": proposal.scheduled_at,
            "duration_minutes": proposal.duration_minutes,
            "ends_at": clock.iso(slots.ends_at(start, proposal.duration_minutes)),
            "sequence": booking.sequence + 1,
            "proposals": _answered(booking, proposal, ProposalStatus.ACCEPTED, caller, stamp),
            "expires_at": None,
        }
    )

    def audit(tour_id: str) -> dict[str, Any]:
        details = {"proposal_id": proposal.id, "scheduled_at": proposal.scheduled_at, "tour_id": tour_id}
        return service._audit(caller, "booking.proposal_accepted", booking, **details)

    prop = properties.get_property(booking.property_id)
    confirmed = confirmation.confirm(moved, previous=booking, prop=prop, audit=audit, cancel_tour=cancel_tour)
    count("BookingProposalsAccepted")
    return service.to_resource(confirmed, caller)
