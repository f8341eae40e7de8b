"""The follow-up routes: the realtor reads, edits and sends the draft; the buyer reads it once sent.

Sending claims the draft first (`draft -> sent`, conditioned on its version, in one transaction with
the audit item), then emails the buyer; an email that is not accepted gives the claim back, so the
draft is never lost and can be sent again. A second send is 409.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from realty.core import clock
from realty.core.audit import audit_action, record
from realty.core.auth import Caller
from realty.core.envelope import Relationship, Resource
from realty.core.errors import Conflict, NotFound, UpstreamError, ValidationFailed
from realty.core.metrics import count
from realty.processing.followup import drafts, store
from realty.processing.followup.models import FollowUpAttributes, FollowUpStatus, StoredFollowUp, UpdateFollowUpRequest
from realty.processing.models import TourView
from realty.tours import access
from realty.tours.access import Side

logger = Logger(child=True)


def _tour(caller: Caller, tour_id: str, side: Side) -> tuple[TourView, StoredFollowUp | None]:
    item, follow_up = store.tour_and_follow_up(tour_id, consistent=True)
    tour = TourView.model_validate(item) if item else None
    if tour is None or not access.visible(caller, realtor_id=tour.realtor_id, buyer_id=tour.buyer_id, side=side):
        raise NotFound("no such tour")
    return tour, follow_up


def _draft(caller: Caller, tour_id: str) -> tuple[TourView, StoredFollowUp]:
    tour, follow_up = _tour(caller, tour_id, "realtor")
    if follow_up is None:
        raise NotFound("the tour has no follow-up yet: it is drafted when the recording has been processed")
    return tour, follow_up


def _resource(follow_up: StoredFollowUp, *, realtor: bool) -> Resource[FollowUpAttributes]:
    attributes = FollowUpAttributes(
        status=follow_up.status,
        subject=follow_up.subject,
        body=follow_up.body,
        model=follow_up.model if realtor else None,
        edited=follow_up.edited if realtor else None,
        created_at=follow_up.created_at if realtor else None,
        updated_at=follow_up.updated_at if realtor else None,
        sent_at=follow_up.sent_at,
    )
    return Resource[FollowUpAttributes](
        id=follow_up.tour_id,
        type="follow_up",
        attributes=attributes,
        relationships={"tour": Relationship(id=follow_up.tour_id, type="tour")},
    )


def get_follow_up(caller: Caller, tour_id: str) -> Resource[FollowUpAttributes]:
    return _resource(_draft(caller, tour_id)[1], realtor=True)


def get_sent_follow_up(caller: Caller, tour_id: str) -> Resource[FollowUpAttributes]:
    """The buyer's view: only a sent follow-up exists for them."""
    _, follow_up = _tour(caller, tour_id, "buyer")
    if follow_up is None or follow_up.status is not FollowUpStatus.SENT:
        raise NotFound("the realtor has not sent a follow-up for this tour")
    return _resource(follow_up, realtor=False)


def update_follow_up(caller: Caller, tour_id: str, request: UpdateFollowUpRequest) -> Resource[FollowUpAttributes]:
    if not request.model_fields_set:
        raise ValidationFailed("give at least one of subject, body")
    _, follow_up = _draft(caller, tour_id)
    if follow_up.status is FollowUpStatus.SENT:
        raise Conflict(store.ALREADY_SENT)
    changes: dict[str, Any] = request.model_dump(include=request.model_fields_set)
    stamp = clock.now_iso()
    audit = audit_action(
        actor_id=caller.user_id,
        action="tour.follow_up_edited",
        resource_type="tour",
        resource_id=tour_id,
        details={"fields": sorted(changes)},
    )
    store.update_draft(tour_id, version=follow_up.version, changes=changes, stamp=stamp, audit=audit)
    edited = follow_up.model_copy(
        update={**changes, "edited": True, "updated_at": stamp, "version": follow_up.version + 1}
    )
    return _resource(edited, realtor=True)


def send_follow_up(caller: Caller, tour_id: str) -> Resource[FollowUpAttributes]:
    from realty.bookings import notify
    from realty.users.preferences import NotificationEvent

    tour, follow_up = _draft(caller, tour_id)
    if follow_up.status is FollowUpStatus.SENT:
        raise Conflict(store.ALREADY_SENT)
    if not tour.buyer_email:
        raise Conflict("the buyer has no email address to send the follow-up to")
    stamp = clock.now_iso()
    audit = audit_action(
        actor_id=caller.user_id,
        action="tour.follow_up_sent",
        resource_type="tour",
        resource_id=tour_id,
        details={"version": follow_up.version, "edited": follow_up.edited},
    )
    try:
        store.mark_sent(tour_id, version=follow_up.version, stamp=stamp, sent_by=caller.user_id, audit=audit)
    except Conflict:
        # Sent meanwhile (a second click), or rewritten by a reprocess since it was read: say which.
        now = store.get_follow_up(tour_id)
        raise Conflict(store.ALREADY_SENT if now and now.status is FollowUpStatus.SENT else store.CHANGED) from None
    message = drafts.follow_up_email(tour, follow_up)
    handled = notify.deliver(
        message,
        user_id=tour.buyer_id,
        event=NotificationEvent.FOLLOW_UP,
        urgent=False,
        tour_start=None,
        preferences=notify.preferences_of([tour.buyer_id]),
    )
    if not handled:
        # Never a lost draft: the claim is given back, the realtor sends it again.
        store.unmark_sent(tour_id, sent_at=stamp)
        record(
            actor_id=caller.user_id,
            action="tour.follow_up_not_delivered",
            resource_type="tour",
            resource_id=tour_id,
            details={"version": follow_up.version},
        )
        count("FollowUpNotDelivered")
        raise UpstreamError("the email to the buyer was not accepted; the follow-up is kept as a draft, send it again")
    count("FollowUpsSent")
    sent = follow_up.model_copy(update={"status": FollowUpStatus.SENT, "sent_at": stamp, "sent_by": caller.user_id})
    return _resource(sent, realtor=True)
