"""Bookings and scheduling: /api/v1/{buyers,realtors,admin}/bookings*, a realtor's availability
(/api/v1/realtors/availability*) and a listing's free slots (/api/v1/buyers/properties/{id}/slots)."""

from __future__ import annotations

from typing import Annotated, Any

from realty.availability.hours import MAX_TOUR_MINUTES, MIN_TOUR_MINUTES
from realty.availability.models import (
    MAX_BLOCKS,
    AvailabilityAttributes,
    BlockAttributes,
    CreateBlockRequest,
    FreeSlotsAttributes,
    PutAvailabilityRequest,
)
from realty.bookings import feed, service
from realty.bookings.feed import FeedAttributes
from realty.bookings.idempotency import create_booking_once
from realty.bookings.models import (
    AdminUpdateBookingRequest,
    BookingAttributes,
    CreateBookingRequest,
    DeclineBookingRequest,
    ProposeTimeRequest,
    UpdateBookingRequest,
)
from realty.bookings.states import BookingStatus
from realty.core import snapstart
from realty.core.api import Header, Query, Response, create_app, make_handler, respond, respond_page
from realty.core.auth import Role, require_role
from realty.core.envelope import Envelope, ListEnvelope, Resource
from realty.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from realty.tours.access import Scope
from realty.users import preferences
from realty.users.preferences import NotificationPreferences, PreferencesAttributes

app = create_app()
# Imported by their routes (below), and before a SnapStart snapshot so no restored copy pays them.
snapstart.import_before_snapshot(
    "realty.admin.bookings", "realty.availability.service", "realty.bookings.free", "realty.bookings.proposals"
)

One = Response[Envelope[Resource[BookingAttributes]]]
Many = Response[ListEnvelope[Resource[BookingAttributes]]]

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=2048)]
Status = Annotated[BookingStatus | None, Query()]
From = Annotated[str | None, Query(alias="from", max_length=40, description="date or date-time, inclusive")]
To = Annotated[str | None, Query(alias="to", max_length=40, description="date or date-time, inclusive")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="retrying with the same key returns the first answer instead of booking twice",
    ),
]


def _list(
    scope: Scope,
    *roles: Role,
    status: BookingStatus | None,
    from_: str | None,
    to: str | None,
    limit: int,
    cursor: str | None,
) -> Response[Any]:
    caller = require_role(app, *roles)
    items, next_cursor = service.list_bookings(
        caller, scope=scope, status=status, from_=from_, to=to, limit=limit, cursor=cursor
    )
    return respond_page(app, items, limit=limit, next_cursor=next_cursor)


# ---------------------------------------------------------------- buyers


@app.get("/api/v1/buyers/bookings", summary="My tour bookings, soonest first", tags=["bookings"])
def list_buyer_bookings(
    status: Status = None, from_: From = None, to: To = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Many:
    return _list(Scope.BUYER, Role.BUYER, Role.ADMIN, status=status, from_=from_, to=to, limit=limit, cursor=cursor)


@app.post("/api/v1/buyers/bookings", summary="Request a tour of a property", tags=["bookings"], status_code=201)
def create_booking(body: CreateBookingRequest, idempotency_key: IdempotencyKey = None) -> One:
    caller = require_role(app, Role.BUYER)
    booking = create_booking_once(caller, body, idempotency_key=idempotency_key, lambda_context=app.lambda_context)
    return respond(app, booking, status=201)


@app.get("/api/v1/buyers/bookings/<id>", summary="One of my bookings", tags=["bookings"])
def get_buyer_booking(id: str) -> One:
    return respond(app, service.get_booking(require_role(app, Role.BUYER, Role.ADMIN), id))


@app.put(
    "/api/v1/buyers/bookings/<id>",
    summary="Reschedule my booking or change its notes (a confirmed one goes back to pending)",
    tags=["bookings"],
)
def update_buyer_booking(id: str, body: UpdateBookingRequest) -> One:
    return respond(app, service.update_booking(require_role(app, Role.BUYER, Role.ADMIN), id, body))


@app.delete("/api/v1/buyers/bookings/<id>", summary="Cancel my booking", tags=["bookings"])
def cancel_buyer_booking(id: str) -> One:
    return respond(app, service.cancel_booking(require_role(app, Role.BUYER, Role.ADMIN), id))


# ---------------------------------------------------------------- realtors


@app.get("/api/v1/realtors/bookings", summary="Bookings of my properties, soonest first", tags=["bookings"])
def list_realtor_bookings(
    status: Status = None, from_: From = None, to: To = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Many:
    return _list(Scope.REALTOR, Role.REALTOR, Role.ADMIN, status=status, from_=from_, to=to, limit=limit, cursor=cursor)


@app.get("/api/v1/realtors/bookings/<id>", summary="A booking of one of my properties", tags=["bookings"])
def get_realtor_booking(id: str) -> One:
    return respond(app, service.get_booking(require_role(app, Role.REALTOR, Role.ADMIN), id))


@app.put(
    "/api/v1/realtors/bookings/<id>",
    summary="Reschedule a booking or change its notes (a confirmed one goes back to pending)",
    tags=["bookings"],
)
def update_realtor_booking(id: str, body: UpdateBookingRequest) -> One:
    return respond(app, service.update_booking(require_role(app, Role.REALTOR, Role.ADMIN), id, body))


@app.delete("/api/v1/realtors/bookings/<id>", summary="Cancel a booking", tags=["bookings"])
def cancel_realtor_booking(id: str) -> One:
    return respond(app, service.cancel_booking(require_role(app, Role.REALTOR, Role.ADMIN), id))


@app.put(
    "/api/v1/realtors/bookings/<id>/confirm",
    summary="Confirm a pending booking: its tour is scheduled and the time is reserved",
    tags=["bookings"],
)
def confirm_booking(id: str) -> One:
    return respond(app, service.confirm_booking(require_role(app, Role.REALTOR, Role.ADMIN), id))


@app.put("/api/v1/realtors/bookings/<id>/decline", summary="Decline a pending booking", tags=["bookings"])
def decline_booking(id: str, body: DeclineBookingRequest) -> One:
    return respond(app, service.decline_booking(require_role(app, Role.REALTOR, Role.ADMIN), id, body))


# ---------------------------------------------------------------- proposals


@app.post(
    "/api/v1/realtors/bookings/<id>/proposals",
    summary="Propose a new time for a request or a confirmed tour; the buyer accepts or declines",
    tags=["bookings"],
    status_code=201,
)
def propose_time(id: str, body: ProposeTimeRequest) -> One:
    from realty.bookings import proposals

    return respond(app, proposals.propose(require_role(app, Role.REALTOR, Role.ADMIN), id, body), status=201)


@app.put(
    "/api/v1/buyers/bookings/<id>/proposals/<proposal_id>/accept",
    summary="Accept a proposed time: the booking moves there and is confirmed",
    tags=["bookings"],
)
def accept_proposal(id: str, proposal_id: str) -> One:
    from realty.bookings import proposals

    return respond(app, proposals.accept(require_role(app, Role.BUYER, Role.ADMIN), id, proposal_id))


@app.put(
    "/api/v1/buyers/bookings/<id>/proposals/<proposal_id>/decline",
    summary="Decline a proposed time: the booking stays as it is",
    tags=["bookings"],
)
def decline_proposal(id: str, proposal_id: str) -> One:
    from realty.bookings import proposals

    return respond(app, proposals.decline(require_role(app, Role.BUYER, Role.ADMIN), id, proposal_id))


# ---------------------------------------------------------------- notification preferences

Wishes = Response[Envelope[Resource[PreferencesAttributes]]]
PREFERENCES = "Which emails I get, and my quiet hours"
REPLACE_PREFERENCES = "Replace my notification preferences"


@app.get("/api/v1/buyers/notification-preferences", summary=PREFERENCES, tags=["notifications"])
def get_buyer_preferences() -> Wishes:
    return respond(app, preferences.get_preferences(require_role(app, Role.BUYER)))


@app.put("/api/v1/buyers/notification-preferences", summary=REPLACE_PREFERENCES, tags=["notifications"])
def put_buyer_preferences(body: NotificationPreferences) -> Wishes:
    return respond(app, preferences.put_preferences(require_role(app, Role.BUYER), body))


@app.get(
    "/api/v1/realtors/notification-preferences",
    summary="Which emails I get, and my quiet hours",
    tags=["notifications"],
)
def get_realtor_preferences() -> Wishes:
    return respond(app, preferences.get_preferences(require_role(app, Role.REALTOR)))


@app.put("/api/v1/realtors/notification-preferences", summary=REPLACE_PREFERENCES, tags=["notifications"])
def put_realtor_preferences(body: NotificationPreferences) -> Wishes:
    return respond(app, preferences.put_preferences(require_role(app, Role.REALTOR), body))


# ---------------------------------------------------------------- calendar feeds

FeedAnswer = Response[Envelope[Resource[FeedAttributes]]]


def _base_url() -> str:
    """Where this API is reached, for the feed URL: the request's host (and stage, on the default
    execute-api host; a custom domain maps its own base path)."""
    event = app.current_event
    headers = {name.lower(): value for name, value in (event.headers or {}).items()}
    host = headers.get("host") or event.request_context.domain_name or ""
    scheme = headers.get("x-forwarded-proto") or "https"
    stage = event.request_context.stage
    prefix = f"/{stage}" if stage and ".execute-api." in host else ""
    return f"{scheme}://{host}{prefix}"


def _feed(caller_id: str, attributes: FeedAttributes) -> Resource[FeedAttributes]:
    return Resource[FeedAttributes](id=caller_id, type="calendar_feed", attributes=attributes)


@app.post(
    "/api/v1/buyers/calendar-feed",
    summary="A new private calendar feed URL of my confirmed tours (any earlier URL stops working)",
    tags=["calendar"],
    status_code=201,
)
def rotate_buyer_feed() -> FeedAnswer:
    caller = require_role(app, Role.BUYER)
    return respond(app, _feed(caller.user_id, feed.rotate(caller, base_url=_base_url())), status=201)


@app.delete("/api/v1/buyers/calendar-feed", summary="Revoke my calendar feed URL", tags=["calendar"])
def revoke_buyer_feed() -> FeedAnswer:
    caller = require_role(app, Role.BUYER)
    return respond(app, _feed(caller.user_id, feed.revoke(caller)))


@app.post(
    "/api/v1/realtors/calendar-feed",
    summary="A new private calendar feed URL of my confirmed tours (any earlier URL stops working)",
    tags=["calendar"],
    status_code=201,
)
def rotate_realtor_feed() -> FeedAnswer:
    caller = require_role(app, Role.REALTOR)
    return respond(app, _feed(caller.user_id, feed.rotate(caller, base_url=_base_url())), status=201)


@app.delete("/api/v1/realtors/calendar-feed", summary="Revoke my calendar feed URL", tags=["calendar"])
def revoke_realtor_feed() -> FeedAnswer:
    caller = require_role(app, Role.REALTOR)
    return respond(app, _feed(caller.user_id, feed.revoke(caller)))


@app.get(
    "/api/v1/calendar-feeds/<token>",
    summary="A calendar feed (iCalendar), authenticated by its secret token alone",
    tags=["calendar"],
    responses={
        200: {"description": "the feed", "content": {"text/calendar": {"schema": {"type": "string"}}}},
        404: {"description": "unknown or revoked token", "content": {"application/json": {}}},
    },
)
def calendar_feed(token: str) -> Response[str]:
    rendered = feed.render(token)
    return Response(
        status_code=200,
        content_type="text/calendar; charset=utf-8",
        body=rendered.body.decode(),
        headers={"Cache-Control": "private, max-age=300"},
    )


# ---------------------------------------------------------------- availability and free slots
# The availability service and the free-slot search (time zones, the calendar rules) are imported by
# their routes, as the admin's booking edit is: most requests of this function are about bookings.


SlotsFrom = Annotated[
    str | None, Query(alias="from", max_length=40, description="date (local midnight) or date-time; default now")
]
SlotsTo = Annotated[str | None, Query(alias="to", max_length=40, description="exclusive; default 7 days after from")]
SlotsDuration = Annotated[
    int | None, Query(ge=MIN_TOUR_MINUTES, le=MAX_TOUR_MINUTES, description="tour length in minutes; default 30")
]


@app.get(
    "/api/v1/buyers/properties/<id>/slots",
    summary="Free tour start times of a listing, in its time zone and UTC",
    tags=["availability"],
)
def list_free_slots(
    id: str,
    from_: SlotsFrom = None,
    to: SlotsTo = None,
    duration: SlotsDuration = None,
) -> Response[Envelope[Resource[FreeSlotsAttributes]]]:
    from realty.bookings import free

    caller = require_role(app, Role.BUYER, Role.ADMIN)
    return respond(app, free.free_slots(caller, id, from_=from_, to=to, duration_minutes=duration))


Rules = Response[Envelope[Resource[AvailabilityAttributes]]]
OneBlock = Response[Envelope[Resource[BlockAttributes]]]


@app.get("/api/v1/realtors/availability", summary="My availability rules (defaults until saved)", tags=["availability"])
def get_availability() -> Rules:
    from realty.availability import service as availability

    return respond(app, availability.get_availability(require_role(app, Role.REALTOR)))


@app.put("/api/v1/realtors/availability", summary="Replace my availability rules", tags=["availability"])
def put_availability(body: PutAvailabilityRequest) -> Rules:
    from realty.availability import service as availability

    return respond(app, availability.put_availability(require_role(app, Role.REALTOR), body))


@app.get(
    "/api/v1/realtors/availability/blocks",
    summary="My blocks and extra openings not yet over, soonest first",
    tags=["availability"],
)
def list_availability_blocks() -> Response[ListEnvelope[Resource[BlockAttributes]]]:
    from realty.availability import service as availability

    blocks = availability.list_blocks(require_role(app, Role.REALTOR))
    return respond_page(app, blocks, limit=MAX_BLOCKS, next_cursor=None)


@app.post(
    "/api/v1/realtors/availability/blocks",
    summary="Block time (closed even inside my hours) or open extra time",
    tags=["availability"],
    status_code=201,
)
def create_availability_block(body: CreateBlockRequest) -> OneBlock:
    from realty.availability import service as availability

    return respond(app, availability.create_block(require_role(app, Role.REALTOR), body), status=201)


@app.delete("/api/v1/realtors/availability/blocks/<id>", summary="Remove a block or opening", tags=["availability"])
def delete_availability_block(id: str) -> OneBlock:
    from realty.availability import service as availability

    return respond(app, availability.delete_block(require_role(app, Role.REALTOR), id))


# ---------------------------------------------------------------- admins


@app.get("/api/v1/admin/bookings", summary="Every booking, newest first", tags=["admin"])
def list_all_bookings(
    status: Status = None, from_: From = None, to: To = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Many:
    return _list(Scope.ADMIN, Role.ADMIN, status=status, from_=from_, to=to, limit=limit, cursor=cursor)


@app.get("/api/v1/admin/bookings/<id>", summary="Any booking", tags=["admin"])
def get_any_booking(id: str) -> One:
    return respond(app, service.get_booking(require_role(app, Role.ADMIN), id))


@app.put(
    "/api/v1/admin/bookings/<id>",
    summary="Reschedule any booking, change its notes, or confirm, decline or cancel it",
    tags=["admin"],
)
def update_any_booking(id: str, body: AdminUpdateBookingRequest) -> One:
    from realty.admin import bookings as admin_bookings

    return respond(app, admin_bookings.admin_update_booking(require_role(app, Role.ADMIN), id, body))


@app.delete("/api/v1/admin/bookings/<id>", summary="Cancel any booking", tags=["admin"])
def cancel_any_booking(id: str) -> One:
    return respond(app, service.cancel_booking(require_role(app, Role.ADMIN), id))


lambda_handler: Any = make_handler(app)
