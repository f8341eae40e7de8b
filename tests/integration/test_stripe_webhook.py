"""The Stripe webhook: real signatures, the real SDK re-reading subscriptions from a local Stripe fake."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from realty.core.auth import Caller, Role
from testkit.api import FakeLambdaContext, call, load_function
from tests.support.stripe_fake import (
    StripeFake,
    completed_checkout,
    configure_secret,
    event,
    invoice,
    running_fake,
    sign,
)
from tests.support.template import ROOT

SUBSCRIPTION = "/api/v1/realtors/billing/subscription"


@dataclass
class Delivery:
    status: int
    body: dict[str, Any]

    @property
    def outcome(self) -> str:
        return str(self.body["data"]["attributes"]["outcome"])


@dataclass
class Subscriber:
    caller: Caller
    customer_id: str


@pytest.fixture
def stripe_fake(aws) -> Iterator[StripeFake]:
    configure_secret(aws["StripeSecret"])
    with running_fake() as fake:
        yield fake


@pytest.fixture
def realtor(stripe_fake, make_user) -> Subscriber:
    """A realtor who went through checkout, so their Stripe customer maps back to them."""
    caller = make_user(Role.REALTOR, email="rita@example.com", full_name="Rita Realtor")
    assert call("POST", "/api/v1/realtors/billing/checkout-session", caller=caller, body={"plan": "pro"}).status == 201
    [customer_id] = stripe_fake.customers
    return Subscriber(caller, customer_id)


@pytest.fixture
def outbox() -> Iterator[list[Any]]:
    from realty.adapters import email

    sent: list[Any] = []

    def accept(message: Any) -> bool:
        sent.append(message)
        return True

    email.set_sender(accept)
    yield sent
    email.set_sender(None)


def deliver(body: str, signature: str | None, *, base64_encoded: bool = False) -> Delivery:
    """POST a body to the webhook the way API Gateway hands it over (events/stripe_webhook.json)."""
    request = json.loads((ROOT / "events" / "stripe_webhook.json").read_text())
    headers = {k: v for k, v in request["headers"].items() if k != "Stripe-Signature"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    request.update(
        body=base64.b64encode(body.encode()).decode() if base64_encoded else body,
        isBase64Encoded=base64_encoded,
        headers=headers,
        multiValueHeaders={k: [v] for k, v in headers.items()},
    )
    request["requestContext"]["requestId"] = str(uuid.uuid4())
    response = load_function("stripe_webhook").lambda_handler(request, FakeLambdaContext())
    return Delivery(response["statusCode"], json.loads(response["body"]))


def send(stripe_event: dict[str, Any], **kwargs: Any) -> Delivery:
    body = json.dumps(stripe_event)
    return deliver(body, sign(body), **kwargs)


def plan_of(subscriber: Subscriber) -> tuple[str, str]:
    attributes = call("GET", SUBSCRIPTION, caller=subscriber.caller).data["attributes"]
    return attributes["plan"], attributes["status"]


def audit_actions(user_id: str) -> list[str]:
    from realty.core.aws import client
    from realty.core.config import get_settings

    response = client("dynamodb").query(
        TableName=get_settings().audit_table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"RESOURCE#billing_account#{user_id}"}},
    )
    return [item["action"]["S"] for item in response["Items"]]


def event_mark(event_id: str) -> dict[str, Any] | None:
    from realty.core.aws import client
    from realty.core.config import get_settings
    from realty.core.dynamo import from_item, key

    item = (
        client("dynamodb")
        .get_item(TableName=get_settings().main_table, Key=key(f"STRIPE_EVENT#{event_id}", "EVENT"))
        .get("Item")
    )
    return from_item(item) if item else None


def subscribe(fake: StripeFake, subscriber: Subscriber, **kwargs: Any) -> dict[str, Any]:
    metadata = {"user_id": subscriber.caller.user_id, "plan": "pro"}
    return fake.add_subscription(subscriber.customer_id, metadata=metadata, **kwargs)


def test_a_signed_subscription_event_puts_the_realtor_on_pro(stripe_fake, realtor):
    subscription = subscribe(stripe_fake, realtor)
    created = event("customer.subscription.created", subscription)

    delivery = send(created)

    assert delivery.status == 200, delivery.body
    assert delivery.body["success"] is True
    assert delivery.body["data"]["attributes"] == {
        "event_type": "customer.subscription.created",
        "outcome": "processed",
    }
    assert stripe_fake.requests_to("GET", f"/v1/subscriptions/{subscription['id']}")
    attributes = call("GET", SUBSCRIPTION, caller=realtor.caller).data["attributes"]
    period_end = subscription["items"]["data"][0]["current_period_end"]
    assert attributes == {
        "plan": "pro",
        "status": "active",
        "current_period_end": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(period_end)),
        "cancel_at_period_end": False,
        "pro_features": True,
        "complimentary": False,
        "complimentary_until": None,
    }
    assert audit_actions(realtor.caller.user_id) == ["billing.checkout_started", "billing.plan_changed"]
    mark = event_mark(created["id"])
    assert mark is not None
    assert 29 * 86400 < mark["expires_at"] - time.time() <= 30 * 86400


def test_completed_checkout_activates_the_plan(stripe_fake, realtor):
    subscription = subscribe(stripe_fake, realtor)
    session = completed_checkout(realtor.customer_id, subscription["id"], realtor.caller.user_id)

    delivery = send(event("checkout.session.completed", session))

    assert delivery.outcome == "processed"
    assert plan_of(realtor) == ("pro", "active")


def test_a_base64_encoded_body_is_verified_on_its_decoded_bytes(stripe_fake, realtor):
    subscription = subscribe(stripe_fake, realtor)

    delivery = send(event("customer.subscription.created", subscription), base64_encoded=True)

    assert delivery.status == 200, delivery.body
    assert plan_of(realtor) == ("pro", "active")


def test_bad_signatures_are_refused_and_change_nothing(stripe_fake, realtor):
    subscription = subscribe(stripe_fake, realtor)
    created = event("customer.subscription.created", subscription)
    body = json.dumps(created)
    tampered = body.replace('"cancel_at_period_end": false', '"cancel_at_period_end": true')
    assert tampered != body
    attempts = {
        "tampered body": (tampered, sign(body)),
        "wrong secret": (body, sign(body, "whsec_someone_else")),
        "older than the tolerance": (body, sign(body, timestamp=int(time.time()) - 301)),
        "no signature header": (body, None),
        "garbage header": (body, "not-a-signature"),
        "not JSON, validly signed": ("{not json", sign("{not json")),
    }
    for name, (payload, signature) in attempts.items():
        delivery = deliver(payload, signature)

        assert delivery.status == 400, name
        assert delivery.body["success"] is False
        assert delivery.body["errors"][0]["code"] == "BAD_REQUEST"
        assert "whsec" not in json.dumps(delivery.body)

    assert stripe_fake.requests_to("GET", "/v1/subscriptions/") == []
    assert event_mark(created["id"]) is None
    assert plan_of(realtor) == ("free", "none")
    # Inside Stripe's default five minutes, the same delivery is accepted.
    assert deliver(body, sign(body, timestamp=int(time.time()) - 240)).status == 200


def test_a_signature_from_beyond_the_tolerance_either_way_is_refused(stripe_fake, realtor):
    subscription = subscribe(stripe_fake, realtor)
    created = event("customer.subscription.created", subscription)
    body = json.dumps(created)
    now = int(time.time())

    for name, stamp in {
        "an hour ahead": now + 3600,
        "just over ahead": now + 310,
        "just over behind": now - 310,
    }.items():
        delivery = deliver(body, sign(body, timestamp=stamp))

        assert delivery.status == 400, name
        assert delivery.body["errors"][0]["code"] == "BAD_REQUEST"
    assert stripe_fake.requests_to("GET", "/v1/subscriptions/") == []
    assert event_mark(created["id"]) is None
    assert plan_of(realtor) == ("free", "none")
    # A clock a little ahead of ours is within the tolerance.
    assert deliver(body, sign(body, timestamp=now + 240)).status == 200


def test_a_deeply_nested_body_is_a_400_even_when_validly_signed(stripe_fake, realtor):
    for depth in (100, 1_000, 20_000):
        body = '{"id": "evt_1", "type": "invoice.paid", "data": ' + "[" * depth + "]" * depth + "}"

        delivery = deliver(body, sign(body))

        assert delivery.status == 400, depth
        assert delivery.body["success"] is False
        assert delivery.body["errors"][0]["code"] == "BAD_REQUEST"
    assert stripe_fake.requests_to("GET", "/v1/subscriptions/") == []


def test_a_redelivered_event_changes_nothing_the_second_time(stripe_fake, realtor, outbox):
    subscription = subscribe(stripe_fake, realtor, status="past_due")
    failed = event("invoice.payment_failed", invoice(subscription, paid=False))

    first = send(failed)
    # Stripe's state moves on; a redelivery of the old event must not act on it again.
    stripe_fake.update_subscription(subscription["id"], status="canceled")
    second = send(failed)

    assert (first.outcome, second.outcome) == ("processed", "duplicate")
    assert len(stripe_fake.requests_to("GET", "/v1/subscriptions/")) == 1
    assert plan_of(realtor) == ("pro", "past_due")
    assert audit_actions(realtor.caller.user_id) == ["billing.checkout_started", "billing.plan_changed"]
    assert len(outbox) == 1


def test_events_out_of_order_leave_the_plan_stripe_holds(stripe_fake, realtor):
    subscription = subscribe(stripe_fake, realtor)
    updated_while_active = event("customer.subscription.updated", dict(subscription))
    assert send(event("customer.subscription.created", dict(subscription))).outcome == "processed"
    assert plan_of(realtor) == ("pro", "active")

    canceled = stripe_fake.update_subscription(subscription["id"], status="canceled")
    deleted = event("customer.subscription.deleted", dict(canceled))
    # `deleted` arrives first, the older `updated` (whose payload still says active) after it.
    assert send(deleted).outcome == "processed"
    assert send(updated_while_active).outcome == "processed"

    assert plan_of(realtor) == ("free", "canceled")
    from realty.billing.entitlements import require_pro
    from realty.core.errors import PaymentRequired

    with pytest.raises(PaymentRequired):
        require_pro(realtor.caller.user_id)
    assert audit_actions(realtor.caller.user_id).count("billing.plan_changed") == 2


def test_a_failed_payment_makes_the_plan_past_due_and_emails_the_realtor_once(stripe_fake, realtor, outbox):
    from realty.billing.entitlements import require_pro
    from realty.core.errors import PaymentRequired

    subscription = subscribe(stripe_fake, realtor)
    send(event("customer.subscription.created", subscription))
    stripe_fake.update_subscription(subscription["id"], status="past_due")
    unpaid = invoice(subscription, paid=False)

    delivery = send(event("invoice.payment_failed", unpaid))

    assert delivery.outcome == "processed"
    assert plan_of(realtor) == ("pro", "past_due")
    with pytest.raises(PaymentRequired) as refused:
        require_pro(realtor.caller.user_id)
    assert "portal-session" in refused.value.message
    [message] = outbox
    assert list(message.to) == ["rita@example.com"]
    assert "payment" in message.subject.lower()
    assert "Rita Realtor" in message.text
    assert unpaid["hosted_invoice_url"] in message.text
    assert "cus_" not in message.text and "sub_" not in message.text

    stripe_fake.update_subscription(subscription["id"], status="active")
    assert send(event("invoice.paid", invoice(subscription, paid=True))).outcome == "processed"

    assert plan_of(realtor) == ("pro", "active")
    require_pro(realtor.caller.user_id)
    assert len(outbox) == 1


def test_an_event_that_failed_to_process_is_processed_when_stripe_retries(stripe_fake, realtor):
    subscription = subscribe(stripe_fake, realtor)
    created = event("customer.subscription.created", subscription)
    stripe_fake.fail_next("GET", "/v1/subscriptions/", status=500)

    failed = send(created)

    assert failed.status == 502
    assert failed.body["errors"][0]["code"] == "UPSTREAM_ERROR"
    assert event_mark(created["id"]) is None
    assert plan_of(realtor) == ("free", "none")

    retried = send(created)

    assert retried.outcome == "processed"
    assert plan_of(realtor) == ("pro", "active")


def test_unknown_event_types_are_acknowledged_and_ignored(stripe_fake, realtor):
    noise = event("customer.updated", {"id": realtor.customer_id, "object": "customer", "email": "new@example.com"})

    delivery = send(noise)

    assert delivery.status == 200
    assert delivery.body["data"]["attributes"] == {"event_type": "customer.updated", "outcome": "ignored"}
    assert event_mark(noise["id"]) is None
    assert stripe_fake.requests_to("GET", "/v1/subscriptions/") == []


def test_subscriptions_of_customers_we_did_not_create_are_ignored(stripe_fake, realtor):
    stranger = stripe_fake.add_subscription("cus_made_in_the_dashboard")

    delivery = send(event("customer.subscription.created", stranger))

    assert delivery.status == 200
    assert delivery.outcome == "ignored"
    assert plan_of(realtor) == ("free", "none")


def test_news_of_an_ended_subscription_never_downgrades_a_live_one(stripe_fake, realtor):
    old = subscribe(stripe_fake, realtor)
    send(event("customer.subscription.created", old))
    stripe_fake.update_subscription(old["id"], status="canceled")
    new = subscribe(stripe_fake, realtor)
    send(event("customer.subscription.created", new))

    late = send(event("customer.subscription.deleted", stripe_fake.subscriptions[old["id"]]))

    assert late.status == 200
    assert plan_of(realtor) == ("pro", "active")


def test_the_webhook_answers_not_configured_until_the_secret_is_filled(aws):
    body = json.dumps(event("customer.subscription.created", {"id": "sub_x", "object": "subscription"}))

    delivery = deliver(body, sign(body))

    assert delivery.status == 503
    assert delivery.body["errors"][0]["code"] == "NOT_CONFIGURED"
    # A public route: anyone may call it, so nothing about the deployment's secrets is answered.
    assert delivery.body["errors"][0]["message"] == "this feature is not configured on this deployment"
    assert "StripeSecret" not in json.dumps(delivery.body) and "webhook_secret" not in json.dumps(delivery.body)


def test_a_slower_read_of_the_subscription_never_overwrites_a_newer_one(stripe_fake, realtor):
    """Two deliveries racing: the one whose Stripe read is older loses, but its event still counts as handled."""
    from realty.billing import store
    from realty.billing.models import Plan, SubscriptionStatus
    from realty.billing.store import SyncOutcome

    account = store.get_account(realtor.caller.user_id)
    assert account is not None
    newer = account.model_copy(update={"plan": Plan.FREE, "status": SubscriptionStatus.CANCELED, "synced_at_ms": 2_000})
    older = account.model_copy(update={"plan": Plan.PRO, "status": SubscriptionStatus.ACTIVE, "synced_at_ms": 1_000})

    assert store.save_sync(newer, event_id="evt_newer", event_type="customer.subscription.deleted", audit=None) == (
        SyncOutcome.APPLIED
    )
    assert store.save_sync(older, event_id="evt_older", event_type="customer.subscription.updated", audit=None) == (
        SyncOutcome.STALE
    )
    assert store.save_sync(older, event_id="evt_older", event_type="customer.subscription.updated", audit=None) == (
        SyncOutcome.DUPLICATE
    )

    assert plan_of(realtor) == ("free", "canceled")
    assert event_mark("evt_older") is not None
