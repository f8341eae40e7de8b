"""Changes no user asked for in a request are audited under the one system actor."""

from __future__ import annotations

import pytest

from realty.core.audit import SYSTEM_ACTOR
from realty.processing.service import start_processing
from testkit.processing import seed_tour
from tests.support.calls import audit_items


@pytest.fixture
def people(make_user):
    return make_user("realtor"), make_user("buyer")


def test_processing_started_by_the_recording_is_audited_as_the_system(aws, people, state_machine):
    realtor, buyer = people
    tour_id = seed_tour(realtor, buyer)

    start_processing(tour_id)

    [started] = audit_items("tour.processing_started")
    assert started["resource_id"] == tour_id
    assert started["actor_id"] == SYSTEM_ACTOR == "system"
