"""`POST /buyers/bookings` with an Idempotency-Key: a retry returns the first booking, never a second one."""

from __future__ import annotations

import pytest

from testkit.api import call
from testkit.population import population_items
from tests.support.bookings import at, new_property


@pytest.fixture
def world(make_user, fake_clock, outbox):
    realtor = make_user("realtor")
    return {
        "realtor": realtor,
        "buyer": make_user("buyer"),
        "other_buyer": make_user("buyer"),
        "property": new_property(realtor),
        "outbox": outbox,
    }


def _post(caller, body, key=None):
    headers = {"Idempotency-Key": key} if key is not None else None
    return call("POST", "/api/v1/buyers/bookings", caller=caller, body=body, headers=headers)


def _booking_count() -> int:
    return len(population_items("BOOKINGS"))


def test_the_same_key_twice_books_once_and_answers_the_same(world):
    body = {"property_id": world["property"], "scheduled_at": at(days=2), "notes": "First visit"}

    first = _post(world["buyer"], body, key="book-7f3a")
    retry = _post(world["buyer"], body, key="book-7f3a")

    assert first.status == retry.status == 201, (first.body, retry.body)
    assert retry.data == first.data
    assert _booking_count() == 1
    assert len(world["outbox"].sent) == 1  # the realtor heard about it once


def test_a_retry_returns_the_first_answer_even_after_the_booking_moved_on(world):
    body = {"property_id": world["property"], "scheduled_at": at(days=2)}
    first = _post(world["buyer"], body, key="k-1")
    call("PUT", f"/api/v1/realtors/bookings/{first.data['id']}/confirm", caller=world["realtor"])

    retry = _post(world["buyer"], body, key="k-1")

    assert retry.status == 201
    assert retry.data == first.data
    assert _booking_count() == 1


def test_the_same_key_with_another_body_is_refused(world):
    _post(world["buyer"], {"property_id": world["property"], "scheduled_at": at(days=2)}, key="k-2")

    other = _post(world["buyer"], {"property_id": world["property"], "scheduled_at": at(days=3)}, key="k-2")

    assert other.status == 422, other.body
    assert other.body["errors"][0]["field"] == "idempotency-key"
    assert _booking_count() == 1


def test_two_buyers_using_the_same_key_never_collide(world):
    body = {"property_id": world["property"], "scheduled_at": at(days=2)}

    mine = _post(world["buyer"], body, key="shared-key")
    theirs = _post(world["other_buyer"], body, key="shared-key")

    assert mine.status == theirs.status == 201
    assert mine.data["id"] != theirs.data["id"]
    assert theirs.data["relationships"]["buyer"]["id"] == world["other_buyer"].user_id
    assert _booking_count() == 2


def test_without_a_key_every_request_is_a_new_booking(world):
    body = {"property_id": world["property"], "scheduled_at": at(days=2)}

    assert _post(world["buyer"], body).status == 201
    assert _post(world["buyer"], body).status == 201
    assert _booking_count() == 2


def test_a_refused_request_does_not_burn_its_key(world):
    body = {"property_id": world["property"], "scheduled_at": at(days=2)}
    call("PUT", f"/api/v1/realtors/properties/{world['property']}", caller=world["realtor"], body={"status": "pending"})
    refused = _post(world["buyer"], body, key="k-3")
    assert refused.status == 422
    call("PUT", f"/api/v1/realtors/properties/{world['property']}", caller=world["realtor"], body={"status": "active"})

    retried = _post(world["buyer"], body, key="k-3")

    assert retried.status == 201, retried.body
    assert _booking_count() == 1


def test_an_over_long_key_is_a_validation_error(world):
    result = _post(world["buyer"], {"property_id": world["property"], "scheduled_at": at(days=2)}, key="k" * 256)

    assert result.status == 422
    assert result.body["errors"][0]["field"] == "idempotency-key"
    assert _booking_count() == 0
