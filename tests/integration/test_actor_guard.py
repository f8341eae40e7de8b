"""A deleted, deactivated or signed-out user cannot write through a cached authorizer answer.

API Gateway caches the authorizer's context for 300 s per token. These requests carry the context
such a cached answer would (role and all, `sub` and `iat` of the token) after the account changed:
every state-changing route answers 401 and changes nothing; reads still answer.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from realty.core.auth import Caller
from testkit.api import ApiResult, FakeLambdaContext, api_event, call
from tests.support.bookings import START, at, booked, items_under, new_property
from tests.support.calls import attendee_object, meeting_object
from tests.support.stripe_fake import configure_secret, running_fake
from tools.functions import load_function
from tools.template import api_routes

ISSUED_AT = int((START - timedelta(minutes=1)).timestamp())  # the token: signed in a minute ago
CHANGE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _sub(caller: Caller) -> str:
    from realty.users import store

    user = store.get_user(caller.user_id)
    assert user is not None
    return user.cognito_sub


def cached(
    method: str, path: str, caller: Caller, *, body: Any = None, iat: int = ISSUED_AT, headers: dict | None = None
) -> ApiResult:
    """The request as API Gateway sends it with the authorizer answer it cached for the caller's token."""
    for route in api_routes():
        pattern = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", route.path) + "$"
        found = re.match(pattern, path)
        if found and route.method == method:
            break
    else:
        raise AssertionError(f"no route {method} {path}")
    context = {"user_id": caller.user_id, "role": caller.role.value, "email": caller.email}
    event = api_event(
        method,
        path,
        resource=route.path,
        path_parameters=found.groupdict(),
        body=body,
        # The token itself only matters to a logout (Cognito revokes it; moto answers an unknown one
        # as already revoked).
        headers={"Authorization": "Bearer cached-token", **(headers or {})},
        authorizer={**context, "sub": _sub(caller), "iat": str(iat)},
    )
    response = load_function(route.function_dir).lambda_handler(event, FakeLambdaContext())
    return ApiResult(response["statusCode"], json.loads(response["body"]) if response.get("body") else {}, {})


def deactivate(caller: Caller, **changes: Any) -> None:
    """Change the identity item as an admin's deletion or a sign-out elsewhere would (status, signed_out_at)."""
    from realty.core.config import get_settings

    values = {"status": "deleted"} | changes
    boto3.client("dynamodb", region_name="us-east-1").update_item(
        TableName=get_settings().main_table,
        Key={"PK": {"S": f"IDENTITY#{_sub(caller)}"}, "SK": {"S": "IDENTITY"}},
        UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in values),
        ExpressionAttributeNames={f"#{k}": k for k in values},
        ExpressionAttributeValues={
            f":{k}": {"N": str(v)} if isinstance(v, int) else {"S": str(v)} for k, v in values.items()
        },
    )


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every item of the main and audit tables (a Scan is fine in a test)."""
    from realty.core.config import get_settings

    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    settings = get_settings()
    tables = {}
    for table in (settings.main_table, settings.audit_table):
        items = dynamodb.scan(TableName=table)["Items"]
        tables[table] = sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return tables


@pytest.fixture
def stripe_fake(aws):
    configure_secret(aws["StripeSecret"])
    with running_fake() as fake:
        yield fake


@pytest.fixture
def world(make_user, fake_clock, outbox):
    realtor = make_user("realtor")
    return SimpleNamespace(
        realtor=realtor, buyer=make_user("buyer"), admin=make_user("admin"), property_id=new_property(realtor)
    )


def _booking_items() -> list[dict[str, Any]]:
    from realty.core.config import get_settings

    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=get_settings().main_table)["Items"]
    return [i for i in items if i.get("entity", {}).get("S") == "booking"]


# ---------------------------------------------------------------- the reported cases


def test_a_deleted_buyer_cannot_book_through_a_cached_answer(world):
    buyer = world.buyer
    admin = world.admin
    property_id = world.property_id
    body = {"property_id": property_id, "scheduled_at": at(days=2, hours=10)}
    removed = call("DELETE", f"/api/v1/admin/users/{buyer.user_id}", caller=admin)
    assert removed.status == 200, removed.body
    before = snapshot()

    refused = cached("POST", "/api/v1/buyers/bookings", buyer, body=body)

    assert refused.status == 401, refused.body
    assert refused.error_codes == ["UNAUTHORIZED"]
    assert refused.body["errors"][0]["message"] == "this account is no longer active"
    assert _booking_items() == []
    assert snapshot() == before


def test_a_signed_out_realtor_cannot_list_a_property_but_still_reads(world):
    realtor = world.realtor
    property_id = world.property_id
    signed_out = cached("POST", "/api/v1/auth/logout", realtor)
    assert signed_out.status == 200, signed_out.body
    before = snapshot()

    body = {"address": "1 Main St", "city": "Seattle", "price": 1, "bedrooms": 1, "bathrooms": 1, "sqft": 100}
    refused = cached("POST", "/api/v1/realtors/properties", realtor, body=body)

    assert refused.status == 401, refused.body
    assert refused.body["errors"][0]["message"] == "this session was signed out"
    assert snapshot() == before
    # Reads may ride the cache (documented): the listing is still there to see.
    assert cached("GET", f"/api/v1/realtors/properties/{property_id}", realtor).status == 200


def test_a_token_issued_after_the_sign_out_writes_again(world, fake_clock):
    realtor = world.realtor
    property_id = world.property_id
    assert cached("POST", "/api/v1/auth/logout", realtor).status == 200
    fake_clock.moment = START + timedelta(seconds=5)
    later = int((START + timedelta(seconds=2)).timestamp())
    changed = cached("PUT", f"/api/v1/realtors/properties/{property_id}", realtor, body={"price": 2}, iat=later)
    assert changed.status == 200, changed.body


def test_an_admin_deactivated_user_cannot_write_but_reads(world):
    realtor = world.realtor
    buyer = world.buyer
    admin = world.admin
    property_id = world.property_id
    booking_id = booked(buyer, property_id, at(days=2, hours=10))
    assert call("DELETE", f"/api/v1/admin/users/{realtor.user_id}", caller=admin).status == 200
    # Deleting a realtor cancels their future bookings (realty.admin.offboarding): the booking is no
    # longer theirs to confirm, so a write that is still valid stands in for it.
    assert (
        call("GET", f"/api/v1/buyers/bookings/{booking_id}", caller=buyer).data["attributes"]["status"] == "cancelled"
    )
    before = snapshot()

    for method, path, body in [
        ("PUT", "/api/v1/realtors/availability", {"time_zone": "Europe/Berlin"}),
        ("PUT", f"/api/v1/realtors/properties/{property_id}", {"price": 2}),
        ("PUT", "/api/v1/auth/me", {"full_name": "Still Here"}),
    ]:
        refused = cached(method, path, realtor, body=body)
        assert refused.status == 401, (path, refused.body)
    assert snapshot() == before
    assert cached("GET", "/api/v1/realtors/bookings", realtor).status == 200


def test_a_deleted_admin_cannot_delete_a_user_even_at_cognito(world, monkeypatch):
    """The deletion calls Cognito before its transaction: the actor is checked before that call."""
    buyer = world.buyer
    admin = world.admin
    deactivate(admin)
    before = snapshot()
    refused = cached("DELETE", f"/api/v1/admin/users/{buyer.user_id}", admin)
    assert refused.status == 401, refused.body
    assert snapshot() == before


def test_an_active_user_edits_their_profile_and_signs_out(world):
    buyer = world.buyer
    property_id = world.property_id
    edited = cached("PUT", "/api/v1/auth/me", buyer, body={"full_name": "Bo Renamed"})
    assert edited.status == 200, edited.body
    assert edited.data["attributes"]["full_name"] == "Bo Renamed"
    booked_now = cached(
        "POST", "/api/v1/buyers/bookings", buyer, body={"property_id": property_id, "scheduled_at": at(days=2)}
    )
    assert booked_now.status == 201, booked_now.body
    assert cached("POST", "/api/v1/auth/logout", buyer).status == 200
    # The same (cached) token is signed out now: its next change is refused.
    assert cached("PUT", "/api/v1/auth/me", buyer, body={"full_name": "Bo Again"}).status == 401


def test_an_admin_edits_their_own_name(world):
    """The admin's own identity item is in the transaction: the check rides on that action."""
    admin = world.admin
    renamed = cached("PUT", f"/api/v1/admin/users/{admin.user_id}", admin, body={"full_name": "Ada Admin"})
    assert renamed.status == 200, renamed.body
    deactivate(admin)
    assert cached("PUT", f"/api/v1/admin/users/{admin.user_id}", admin, body={"full_name": "Ada"}).status == 401


# ---------------------------------------------------------------- every state-changing route


def test_every_state_changing_route_refuses_a_deactivated_actor(tour, chime_stub, stripe_fake, make_user):
    """Each route is called where it would otherwise change something (the live call, the pending
    booking, the pro realtor's tour...), as a deleted actor: 401, nothing changed, and no outside call
    (the Chime stub has nothing scripted, so any Chime call would fail the test)."""
    from realty.billing import service as billing

    # The tour is live: both joined (the buyer consenting to recording); the realtor is on pro.
    chime_stub.create_meeting(tour.tour_id, meeting_object(tour.tour_id))
    assert call("POST", f"/api/v1/realtors/tours/{tour.tour_id}/start", caller=tour.realtor).status == 200
    meeting_id = next(i["chime_meeting_id"] for i in items_under(f"TOUR#{tour.tour_id}") if i.get("chime_meeting_id"))
    chime_stub.create_attendee(meeting_id, tour.realtor.user_id, attendee_object(tour.realtor.user_id))
    chime_stub.create_attendee(meeting_id, tour.buyer.user_id, attendee_object(tour.buyer.user_id))
    assert call("POST", f"/api/v1/realtors/calls/{tour.call_id}/join", caller=tour.realtor).status == 200
    joined = call(
        "POST", f"/api/v1/buyers/calls/{tour.call_id}/join", caller=tour.buyer, body={"recording_consent": True}
    )
    assert joined.status == 200, joined.body
    chime_stub.assert_done()
    billing.grant_plan(tour.realtor.user_id)
    pending = booked(tour.buyer, tour.property_id, at(days=3))
    image = call(
        "POST",
        f"/api/v1/realtors/properties/{tour.property_id}/images",
        caller=tour.realtor,
        body={"content_type": "image/jpeg"},
    )
    assert image.status in (200, 201), image.body
    image_id = image.data["id"]
    # A second tour of the realtor whose processing failed: reprocessable.
    done = booked(tour.buyer, tour.property_id, at(days=4))
    done_tour = call("PUT", f"/api/v1/realtors/bookings/{done}/confirm", caller=tour.realtor).data["relationships"][
        "tour"
    ]["id"]
    _set_tour_status(done_tour, "processing_failed")
    # Another realtor's tour, due now and not started yet.
    starter = make_user("realtor")
    now, tour.clock.moment = tour.clock.moment, START  # booked and confirmed yesterday
    due = booked(make_user("buyer"), new_property(starter), at(days=1), 60)
    due_tour = call("PUT", f"/api/v1/realtors/bookings/{due}/confirm", caller=starter).data["relationships"]["tour"]
    tour.clock.moment = now
    # A scheduled tour an admin could cancel.
    later = booked(tour.buyer, tour.property_id, at(days=6))
    later_tour = call("PUT", f"/api/v1/realtors/bookings/{later}/confirm", caller=tour.realtor).data["relationships"][
        "tour"
    ]["id"]
    # Another realtor with a payment customer (billing routes), and a user for the admin to change.
    payer = make_user("realtor")
    assert call("POST", "/api/v1/realtors/billing/checkout-session", caller=payer, body={"plan": "pro"}).status == 201
    target = make_user("buyer")
    comped = make_user("realtor")  # stays active: an admin's complimentary plan for them
    spare = new_property(tour.realtor)  # no bookings: deleting it would go through

    # Scheduling: a block to remove, a proposal to answer, calendar feeds to revoke.
    block = call(
        "POST",
        "/api/v1/realtors/availability/blocks",
        caller=tour.realtor,
        body={"starts_at": at(days=8), "ends_at": at(days=8, hours=2), "reason": "Dentist"},
    )
    assert block.status == 201, block.body
    proposed = call(
        "POST",
        f"/api/v1/realtors/bookings/{later}/proposals",
        caller=tour.realtor,
        body={"scheduled_at": at(days=7)},
    )
    assert proposed.status == 201, proposed.body
    proposal_id = proposed.data["attributes"]["proposals"][-1]["id"]
    for side, who in (("buyers", tour.buyer), ("realtors", tour.realtor)):
        assert call("POST", f"/api/v1/{side}/calendar-feed", caller=who).status in (200, 201)

    # A note of each participant, for them to edit or delete.
    own_notes = {}
    for side, who in (("buyers", tour.buyer), ("realtors", tour.realtor)):
        note = call("POST", f"/api/v1/{side}/tours/{tour.tour_id}/notes", caller=who, body={"content": "mine"})
        assert note.status == 201, note.body
        own_notes[side] = note.data["id"]

    # The tour's follow-up draft and a buyer's question on the listing: to edit, send and mark answered.
    question_id = _follow_up_and_question(tour.tour_id)

    for actor in (tour.realtor, tour.buyer, tour.admin, payer, starter):
        deactivate(actor)
    before = snapshot()

    ids = {
        "/admin/bookings/{id}": pending,
        "/admin/properties/{id}": tour.property_id,
        "/admin/tours/{id}": tour.tour_id,
        "/admin/users/{id}": target.user_id,
        "/buyers/bookings/{id}": pending,
        "/buyers/calls/{id}": tour.call_id,
        "/buyers/tours/{id}": tour.tour_id,
        "/realtors/bookings/{id}": pending,
        "/realtors/calls/{id}": tour.call_id,
        "/realtors/properties/{id}": tour.property_id,
        "/realtors/tours/{id}": tour.tour_id,
    }
    bodies = {
        ("PUT", "/api/v1/admin/bookings/{id}"): {"notes": "moved"},
        ("PUT", "/api/v1/admin/properties/{id}"): {"price": 5},
        ("PUT", "/api/v1/admin/tours/{id}"): {"status": "completed"},
        ("PUT", "/api/v1/admin/users/{id}"): {"full_name": "Renamed"},
        ("POST", "/api/v1/admin/users/{id}/avatar"): {"content_type": "image/jpeg"},
        ("PUT", "/api/v1/admin/users/{id}/complimentary-plan"): {"granted": True, "reason": "support"},
        ("PUT", "/api/v1/auth/me"): {"full_name": "Renamed"},
        ("POST", "/api/v1/auth/me/email/verify"): {"code": "123456"},
        ("POST", "/api/v1/buyers/bookings"): {"property_id": tour.property_id, "scheduled_at": at(days=5)},
        ("PUT", "/api/v1/buyers/bookings/{id}"): {"notes": "moved"},
        ("POST", "/api/v1/buyers/calls/{id}/join"): {"recording_consent": False},
        ("PUT", "/api/v1/realtors/availability"): {"time_zone": "Europe/Berlin"},
        ("POST", "/api/v1/realtors/availability/blocks"): {
            "starts_at": at(days=9),
            "ends_at": at(days=9, hours=1),
            "reason": "Closing",
        },
        ("POST", "/api/v1/realtors/bookings/{id}/proposals"): {"scheduled_at": at(days=5, hours=2)},
        ("PUT", "/api/v1/buyers/notification-preferences"): {"quiet_hours": None},
        ("PUT", "/api/v1/realtors/notification-preferences"): {"quiet_hours": None},
        ("POST", "/api/v1/buyers/tours/{id}/notes"): {"content": "nice"},
        ("PUT", "/api/v1/buyers/tours/{id}/notes/{note_id}"): {"content": "changed"},
        ("PUT", "/api/v1/realtors/tours/{id}/notes/{note_id}"): {"visibility": "private"},
        ("POST", "/api/v1/realtors/billing/checkout-session"): {"plan": "pro"},
        ("PUT", "/api/v1/realtors/bookings/{id}"): {"notes": "moved"},
        ("PUT", "/api/v1/realtors/bookings/{id}/decline"): {"reason": "no"},
        ("POST", "/api/v1/realtors/calls/{id}/record"): {"action": "start"},
        ("POST", "/api/v1/realtors/properties"): {
            "address": "1 Main St",
            "city": "Seattle",
            "price": 1,
            "bedrooms": 1,
            "bathrooms": 1,
            "sqft": 100,
        },
        ("PUT", "/api/v1/realtors/properties/{id}"): {"price": 5},
        ("POST", "/api/v1/realtors/properties/{id}/images"): {"content_type": "image/jpeg"},
        ("POST", "/api/v1/realtors/tours/{id}/notes"): {"content": "nice"},
        ("POST", "/api/v1/buyers/tours/{id}/questions"): {"question": "Is the roof new?"},
        ("POST", "/api/v1/realtors/tours/{id}/questions"): {"question": "Is the roof new?"},
        ("PUT", "/api/v1/realtors/tours/{id}/follow-up"): {"body": "changed"},
        ("PUT", "/api/v1/realtors/properties/{id}/interest/questions/{question_id}"): {"answered": True},
    }
    actors = {"admin": tour.admin, "buyers": tour.buyer, "realtors": tour.realtor, "auth": tour.buyer}
    routes = sorted({(r.method, r.path) for r in api_routes() if r.method in CHANGE_METHODS and not r.public})
    assert len(routes) >= 30
    answers = {}
    for method, template_path in routes:
        section = template_path.split("/")[3]
        caller = payer if "/billing/" in template_path else actors[section]
        path = template_path.replace("{image_id}", image_id)
        for prefix, value in ids.items():
            path = path.replace(prefix, prefix.replace("{id}", value))
        if method == "DELETE" and template_path.endswith("/properties/{id}"):
            path = path.replace(tour.property_id, spare)
        if template_path.endswith("/start"):
            caller, path = starter, path.replace(tour.tour_id, due_tour["id"])
        if (method, template_path) == ("DELETE", "/api/v1/admin/tours/{id}"):
            path = path.replace(tour.tour_id, later_tour)
        if template_path.endswith("/reprocess"):
            path = path.replace(tour.tour_id, done_tour)
        if "/proposals/" in template_path:
            path = path.replace(pending, later).replace("{proposal_id}", proposal_id)
        if template_path.endswith("/availability/blocks/{id}"):
            path = path.replace("{id}", block.data["id"])
        if "{note_id}" in template_path:
            path = path.replace("{note_id}", own_notes[section])
        path = path.replace("{question_id}", question_id)
        if template_path.endswith("/complimentary-plan"):
            path = path.replace(target.user_id, comped.user_id)
        body = bodies.get((method, template_path))
        answered = cached(method, path, caller, body=body)
        answers[f"{method} {template_path}"] = (answered.status, answered.body.get("errors"))
    wrong = {route: answer for route, answer in answers.items() if answer[0] != 401}
    assert wrong == {}, json.dumps({k: [int(v[0]), v[1]] for k, v in wrong.items()}, indent=1)
    assert snapshot() == before


def _follow_up_and_question(tour_id: str) -> str:
    """What Finalize writes for a processed tour: its follow-up draft and its part of the listing's interest."""
    from realty.processing import store
    from realty.processing.followup import drafts, interest
    from realty.processing.models import SummaryContent

    view = store.get_tour(tour_id)
    assert view is not None
    question = "How old is the roof?"
    summary = SummaryContent(overview="A tour.", liked=[], concerns=[], questions_for_seller=[question], next_steps=[])
    assert drafts.write_draft(view, summary, attempt=1, use_llm=False, time_left=lambda: 60.0)
    assert interest.record_processed(view, [], summary)
    return f"{tour_id}.{interest.question_key(question)}"


def _set_tour_status(tour_id: str, status: str) -> None:
    from realty.core.config import get_settings

    boto3.client("dynamodb", region_name="us-east-1").update_item(
        TableName=get_settings().main_table,
        Key={"PK": {"S": f"TOUR#{tour_id}"}, "SK": {"S": "TOUR"}},
        UpdateExpression="SET #s = :s, processing_attempt = :one",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": status}, ":one": {"N": "1"}},
    )
