"""Local demo data: a confirmed tour between the demo realtor and the demo buyer, happening now.

`local_demo_tour` is a seed hook for the local stack (`local/seed.py` runs it after the demo users
exist). It goes through the app's own services, never hand-written items: the realtor's first active
listing (or a new one at 12 Maple Street, the house the sample recording is about), a one-hour
booking by the buyer starting at the current quarter hour, and its confirmation. Booking rules want
a lead time, so the request and the confirmation happen on a clock set two hours back; the tour
itself starts at the current quarter hour, so the realtor can start it straight away.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from realty.core import clock
from realty.core.auth import Caller, Role

logger = Logger(child=True)

DEMO_TOUR_MINUTES = 60
DEMO_PROPERTY = {
    "address": "12 Maple Street",
    "city": "Springfield",
    "price": 450000,
    "bedrooms": 3,
    "bathrooms": 2,
    "sqft": 1850,
    "description": "Three bedrooms, a kitchen renovated last year, a sunny living room and a two-car garage.",
}


class _SeededUser(Protocol):
    user_id: str
    email: str


class SeedContextLike(Protocol):
    """What the hook needs of the local stack's `SeedContext`."""

    @property
    def users(self) -> Mapping[str, Any]: ...

    @property
    def extra(self) -> dict[str, Any]: ...


def _caller(user: _SeededUser, role: Role) -> Caller:
    return Caller(user_id=user.user_id, role=role, email=user.email)


def _listing(realtor: Caller) -> str:
    from realty.properties import service as properties
    from realty.properties.models import CreatePropertyRequest, PropertyStatus

    page = properties.list_managed_properties(realtor, limit=20, cursor=None)
    for item in page.items:
        if item.attributes.status is PropertyStatus.ACTIVE:
            return item.id
    return properties.create_property(realtor, CreatePropertyRequest.model_validate(DEMO_PROPERTY)).id


def quarter_hour(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def local_demo_tour(context: SeedContextLike, *, now: datetime | None = None) -> str:
    """Book and confirm the demo tour; returns its id (also in `context.extra["demo_tour_id"]`)."""
    from realty.bookings import service as bookings
    from realty.bookings.models import CreateBookingRequest

    realtor = _caller(context.users["realtor"], Role.REALTOR)
    buyer = _caller(context.users["buyer"], Role.BUYER)
    starts = quarter_hour(now or datetime.now(UTC))
    clock.set_clock(lambda: starts - timedelta(hours=2))
    try:
        property_id = _listing(realtor)
        request = CreateBookingRequest.model_validate(
            {
                "property_id": property_id,
                "scheduled_at": clock.iso(starts),
                "duration_minutes": DEMO_TOUR_MINUTES,
                "notes": "Demo tour: start it from the realtor's tours list, join as both, record, end.",
            }
        )
        booking = bookings.create_booking(buyer, request)
        confirmed = bookings.confirm_booking(realtor, booking.id)
    finally:
        clock.set_clock(None)
    tour = confirmed.relationships.get("tour")
    tour_id = getattr(tour, "id", None)
    if not isinstance(tour_id, str):  # pragma: no cover - a confirmed booking always has its tour
        raise RuntimeError("the demo booking was confirmed without a tour")
    context.extra["demo_tour_id"] = tour_id
    logger.info("demo tour seeded", extra={"tour_id": tour_id, "scheduled_at": clock.iso(starts)})
    return tour_id
