"""The local stack's demo tour: confirmed through the app's own services, happening now, startable."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from local import meetings
from local.demo_tour import local_demo_tour
from realty.core import clock
from testkit.api import call
from tests.support.calls import stored


def test_the_demo_tour_is_confirmed_for_the_current_quarter_hour_and_the_realtor_can_start_it(make_user, outbox):
    realtor = make_user("realtor", email="realtor@example.com", full_name="Riley Realtor")
    buyer = make_user("buyer", email="buyer@example.com", full_name="Blake Buyer")
    context = SimpleNamespace(users={"realtor": realtor, "buyer": buyer}, extra={})
    now = datetime(2027, 3, 1, 10, 7, 42, tzinfo=UTC)

    tour_id = local_demo_tour(context, now=now)

    assert context.extra["demo_tour_id"] == tour_id
    tour = stored(tour_id, "TOUR")
    assert (tour["status"], tour["scheduled_at"], tour["duration_minutes"]) == ("scheduled", "2027-03-01T10:00:00Z", 60)
    assert (tour["realtor_id"], tour["buyer_id"]) == (realtor.user_id, buyer.user_id)
    assert tour["property_address"] == "12 Maple Street"
    clock.set_clock(lambda: now)
    meetings.install()
    try:
        started = call("POST", f"/api/v1/realtors/tours/{tour_id}/start", caller=realtor)
    finally:
        meetings.uninstall()
        clock.set_clock(None)
    assert started.status == 200, started.body
    assert stored(tour_id, "TOUR")["status"] == "in_progress"


def test_the_demo_tour_uses_the_realtors_existing_listing(make_user, outbox):
    from tests.support.bookings import new_property

    realtor = make_user("realtor", email="realtor@example.com")
    buyer = make_user("buyer", email="buyer@example.com")
    property_id = new_property(realtor)
    context = SimpleNamespace(users={"realtor": realtor, "buyer": buyer}, extra={})

    tour_id = local_demo_tour(context, now=datetime(2027, 3, 1, 10, 0, tzinfo=UTC))

    assert stored(tour_id, "TOUR")["property_id"] == property_id
