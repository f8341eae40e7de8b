"""Billing routes: the real handlers and the real `stripe` SDK, against moto and a local Stripe fake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from realty.core import clock
from realty.core.auth import Role
from testkit.api import FakeLambdaContext, call, load_function
from tests.support.stripe_fake import CONFIG, PRICE_PRO, StripeFake, configure_secret, running_fake
from tests.support.template import ROOT

CHECKOUT = "/api/v1/realtors/billing/checkout-session"
PORTAL = "/api/v1/realtors/billing/portal-session"
SUBSCRIPTION = "/api/v1/realtors/billing/subscription"


@pytest.fixture
def stripe_fake(aws) -> Iterator[StripeFake]:
    """Stripe configured (the secret's placeholder replaced) and the SDK pointed at the fake."""
    configure_secret(aws["StripeSecret"])
    with running_fake() as fake:
        yield fake


def _item(pk: str, sk: str) -> dict | None:
    from realty.core.aws import client
    from realty.core.config import get_settings
    from realty.core.dynamo import from_item, key

    found = client("dynamodb").get_item(TableName=get_settings().main_table, Key=key(pk, sk)).get("Item")
    return from_item(found) if found else None


def _audit_actions(user_id: str) -> list[str]:
    from realty.core.aws import client
    from realty.core.config import get_settings

    response = client("dynamodb").query(
        TableName=get_settings().audit_table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"RESOURCE#billing_account#{user_id}"}},
    )
    return [item["action"]["S"] for item in response["Items"]]


def _checkout(caller, plan: str = "pro"):
    return call("POST", CHECKOUT, caller=caller, body={"plan": plan})


def test_checkout_makes_a_subscription_page_for_the_realtors_own_customer(stripe_fake, make_user):
    realtor = make_user(Role.REALTOR, email="rita@example.com")

    result = _checkout(realtor)

    assert result.status == 201, result.body
    assert result.data["type"] == "checkout_session"
    attributes = result.data["attributes"]
    assert set(attributes) == {"plan", "url", "expires_at"}
    assert attributes["plan"] == "pro"
    assert attributes["url"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    assert attributes["expires_at"].endswith("Z")
    assert "cus_" not in json.dumps(result.body)

    [customer_request] = stripe_fake.requests_to("POST", "/v1/customers")
    assert customer_request.params == {"email": "rita@example.com", "metadata[user_id]": realtor.user_id}
    assert customer_request.idempotency_key == f"realty-customer-{realtor.user_id}"
    [customer_id] = stripe_fake.customers

    [session_request] = stripe_fake.requests_to("POST", "/v1/checkout/sessions")
    assert session_request.params == {
        "mode": "subscription",
        "customer": customer_id,
        "line_items[0][price]": PRICE_PRO,
        "line_items[0][quantity]": "1",
        "client_reference_id": realtor.user_id,
        "metadata[user_id]": realtor.user_id,
        "metadata[plan]": "pro",
        "subscription_data[metadata][user_id]": realtor.user_id,
        "subscription_data[metadata][plan]": "pro",
        "success_url": CONFIG["success_url"],
        "cancel_url": CONFIG["cancel_url"],
    }
    assert session_request.idempotency_key and realtor.user_id in session_request.idempotency_key

    account = _item(f"BILLING#{realtor.user_id}", "ACCOUNT")
    assert account is not None
    assert account["customer_id"] == customer_id
    assert (account["plan"], account["status"]) == ("free", "none")
    lookup = _item(f"STRIPE_CUSTOMER#{customer_id}", "CUSTOMER")
    assert lookup is not None and lookup["user_id"] == realtor.user_id
    assert _audit_actions(realtor.user_id) == ["billing.checkout_started"]


def test_a_later_checkout_reuses_the_customer(stripe_fake, make_user):
    realtor = make_user(Role.REALTOR)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    clock.set_clock(lambda: start)
    try:
        first = _checkout(realtor)
        clock.set_clock(lambda: start + timedelta(hours=2))
        second = _checkout(realtor)
    finally:
        clock.set_clock(None)

    assert first.status == second.status == 201
    assert len(stripe_fake.requests_to("POST", "/v1/customers")) == 1
    sessions = stripe_fake.requests_to("POST", "/v1/checkout/sessions")
    assert len(sessions) == 2
    assert sessions[0].params["customer"] == sessions[1].params["customer"] == next(iter(stripe_fake.customers))
    # Hours apart it is a new attempt, so a new page (the old one may have expired).
    assert sessions[0].idempotency_key != sessions[1].idempotency_key
    assert first.data["attributes"]["url"] != second.data["attributes"]["url"]
    assert _audit_actions(realtor.user_id) == ["billing.checkout_started", "billing.checkout_started"]


def test_a_retried_checkout_gets_the_same_page_and_makes_nothing_twice(stripe_fake, make_user):
    realtor = make_user(Role.REALTOR)
    moment = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)
    clock.set_clock(lambda: moment)
    try:
        first = _checkout(realtor)
        retry = _checkout(realtor)
    finally:
        clock.set_clock(None)

    assert first.status == retry.status == 201
    assert retry.data["attributes"]["url"] == first.data["attributes"]["url"]
    sessions = stripe_fake.requests_to("POST", "/v1/checkout/sessions")
    assert len(sessions) == 2
    assert sessions[0].idempotency_key == sessions[1].idempotency_key
    assert len(stripe_fake.checkout_sessions) == 1
    assert len(stripe_fake.customers) == 1


def test_a_checkout_that_failed_at_stripe_leaves_nothing_and_its_retry_makes_one_customer(stripe_fake, make_user):
    realtor = make_user(Role.REALTOR)
    stripe_fake.fail_next("POST", "/v1/checkout/sessions", status=500)

    failed = _checkout(realtor)

    assert failed.status == 502
    assert failed.error_codes == ["UPSTREAM_ERROR"]
    assert "cus_" not in json.dumps(failed.body) and "fake" not in json.dumps(failed.body)
    assert _item(f"BILLING#{realtor.user_id}", "ACCOUNT") is None
    assert _audit_actions(realtor.user_id) == []

    retried = _checkout(realtor)

    assert retried.status == 201
    customer_requests = stripe_fake.requests_to("POST", "/v1/customers")
    assert len(customer_requests) == 2
    assert customer_requests[0].idempotency_key == customer_requests[1].idempotency_key
    assert len(stripe_fake.customers) == 1, "the retry must not make a second Stripe customer"
    [customer_id] = stripe_fake.customers
    account = _item(f"BILLING#{realtor.user_id}", "ACCOUNT")
    assert account is not None and account["customer_id"] == customer_id


def test_checkout_with_an_active_pro_plan_is_a_conflict(stripe_fake, make_user):
    from realty.billing.service import grant_plan

    realtor = make_user(Role.REALTOR)
    grant_plan(realtor.user_id)

    result = _checkout(realtor)

    assert result.status == 409
    assert result.error_codes == ["CONFLICT"]
    assert "portal-session" in result.body["errors"][0]["message"]
    assert stripe_fake.requests == []


def test_checkout_needs_the_pro_plan_and_nothing_else(stripe_fake, make_user):
    realtor = make_user(Role.REALTOR)
    for body, field in [
        ({"plan": "free"}, "plan"),
        ({"plan": "team"}, "plan"),
        ({}, "plan"),
        ({"plan": "pro", "x": 1}, "x"),
    ]:
        result = call("POST", CHECKOUT, caller=realtor, body=body)

        assert result.status == 422, body
        assert result.body["errors"][0]["field"] == field
    assert stripe_fake.requests == []
    assert _item(f"BILLING#{realtor.user_id}", "ACCOUNT") is None


def test_portal_needs_a_customer_and_then_opens_for_it(stripe_fake, make_user):
    realtor = make_user(Role.REALTOR)

    before = call("POST", PORTAL, caller=realtor)
    assert before.status == 409
    assert "checkout-session" in before.body["errors"][0]["message"]
    assert stripe_fake.requests == []

    assert _checkout(realtor).status == 201
    portal = call("POST", PORTAL, caller=realtor)

    assert portal.status == 201, portal.body
    assert portal.data["type"] == "portal_session"
    assert portal.data["attributes"]["url"].startswith("https://billing.stripe.com/p/session/")
    [request] = stripe_fake.requests_to("POST", "/v1/billing_portal/sessions")
    assert request.params == {"customer": next(iter(stripe_fake.customers)), "return_url": CONFIG["portal_return_url"]}


def test_subscription_of_a_realtor_who_never_subscribed_is_free_in_one_read(aws, make_user):
    from realty.core.aws import client

    realtor = make_user(Role.REALTOR)
    calls: list[str] = []
    client("dynamodb").meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))

    result = call("GET", SUBSCRIPTION, caller=realtor)

    assert result.status == 200
    assert result.data == {
        "id": realtor.user_id,
        "type": "subscription",
        "attributes": {
            "plan": "free",
            "status": "none",
            "current_period_end": None,
            "cancel_at_period_end": False,
            "pro_features": False,
            "complimentary": False,
            "complimentary_until": None,
        },
        "relationships": {},
    }
    assert calls == ["GetItem"]


def test_granted_plan_shows_and_is_audited_without_stripe(aws, make_user):
    """The local stack has no Stripe key: its seed puts the demo realtor on pro this way."""
    from realty.billing.service import grant_plan

    realtor = make_user(Role.REALTOR)

    grant_plan(realtor.user_id, plan="pro", status="active")

    result = call("GET", SUBSCRIPTION, caller=realtor)
    assert result.status == 200
    assert result.data["attributes"]["plan"] == "pro"
    assert result.data["attributes"]["status"] == "active"
    assert result.data["attributes"]["pro_features"] is True
    assert _audit_actions(realtor.user_id) == ["billing.plan_granted"]


def test_without_stripe_configured_billing_answers_not_configured(aws, make_user, caplog):
    """The secret still holds the template's placeholder, as right after the first deploy."""
    realtor = make_user(Role.REALTOR)

    for path, body in [(CHECKOUT, {"plan": "pro"}), (PORTAL, None)]:
        result = call("POST", path, caller=realtor, body=body)

        assert result.status == 503, path
        assert result.error_codes == ["NOT_CONFIGURED"]
        # Callers get a plain message; the secret's name and its fields are for the operator's logs.
        message = result.body["errors"][0]["message"]
        assert message == "this feature is not configured on this deployment"
        assert "StripeSecret" not in json.dumps(result.body) and "api_key" not in json.dumps(result.body)
        assert "REPLACE_ME" not in json.dumps(result.body)
    logged = " ".join(str(getattr(record, "detail", "")) for record in caplog.records)
    assert "StripeSecret" in logged and "api_key" in logged
    assert "REPLACE_ME" not in logged
    assert _item(f"BILLING#{realtor.user_id}", "ACCOUNT") is None
    # The plan itself is our own data and stays readable.
    assert call("GET", SUBSCRIPTION, caller=realtor).status == 200


def test_without_a_stripe_secret_at_all_billing_answers_not_configured(aws, make_user, monkeypatch):
    from realty.core.config import reset_settings

    realtor = make_user(Role.REALTOR)
    monkeypatch.setenv("STRIPE_SECRET_ARN", "")
    reset_settings()
    try:
        result = _checkout(realtor)
    finally:
        monkeypatch.undo()
        reset_settings()

    assert result.status == 503
    assert result.error_codes == ["NOT_CONFIGURED"]


def test_a_key_stripe_refuses_is_reported_as_not_configured(stripe_fake, aws, make_user):
    configure_secret(aws["StripeSecret"], {**CONFIG, "api_key": "sk_test_revoked"})
    realtor = make_user(Role.REALTOR)

    result = _checkout(realtor)

    assert result.status == 503
    assert result.error_codes == ["NOT_CONFIGURED"]
    assert "sk_test" not in json.dumps(result.body)
    assert _item(f"BILLING#{realtor.user_id}", "ACCOUNT") is None


def test_only_realtors_have_billing(stripe_fake, make_user):
    for role in (Role.BUYER, Role.ADMIN):
        caller = make_user(role)
        for method, path, body in [
            ("POST", CHECKOUT, {"plan": "pro"}),
            ("POST", PORTAL, None),
            ("GET", SUBSCRIPTION, None),
        ]:
            result = call(method, path, caller=caller, body=body)

            assert result.status == 403, (role, path)
            assert result.error_codes == ["FORBIDDEN"]
    assert stripe_fake.requests == []


def test_the_sample_checkout_event_reaches_the_billing_function(aws):
    event = json.loads((ROOT / "events" / "billing_checkout_session.json").read_text())

    response = load_function("billing").lambda_handler(event, FakeLambdaContext())

    # The sample's realtor has no record here and Stripe is not configured: the envelope says so.
    assert response["statusCode"] == 503
    assert json.loads(response["body"])["errors"][0]["code"] == "NOT_CONFIGURED"
