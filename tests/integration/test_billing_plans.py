"""Plans without Stripe: the billing mode `off`, and complimentary plans admins grant and revoke."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from realty.core import clock
from realty.core.auth import Role
from realty.core.errors import PaymentRequired
from testkit.api import call

SUBSCRIPTION = "/api/v1/realtors/billing/subscription"
CHECKOUT = "/api/v1/realtors/billing/checkout-session"


def _plan_route(user_id: str) -> str:
    return f"/api/v1/admin/users/{user_id}/complimentary-plan"


def _audit(user_id: str) -> list[dict]:
    from realty.core.aws import client
    from realty.core.config import get_settings
    from realty.core.dynamo import from_item

    response = client("dynamodb").query(
        TableName=get_settings().audit_table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"RESOURCE#billing_account#{user_id}"}},
    )
    return [from_item(item) for item in response["Items"]]


@pytest.fixture
def frozen_clock() -> Iterator[list[datetime]]:
    moment = [datetime(2027, 3, 1, 12, 0, tzinfo=UTC)]
    clock.set_clock(lambda: moment[0])
    yield moment
    clock.set_clock(None)


@pytest.fixture
def billing_off(aws, monkeypatch) -> Iterator[None]:
    from realty.core.config import reset_settings

    monkeypatch.setenv("BILLING_MODE", "off")
    reset_settings()
    yield
    monkeypatch.delenv("BILLING_MODE")
    reset_settings()


# ---------------------------------------------------------------- billing mode


def test_with_billing_off_every_realtor_has_the_pro_features(billing_off, make_user):
    from realty.billing.entitlements import require_pro

    realtor = make_user(Role.REALTOR)

    require_pro(realtor.user_id)  # no account, no Stripe: entitled all the same
    shown = call("GET", SUBSCRIPTION, caller=realtor)
    assert shown.status == 200
    assert shown.data["attributes"]["pro_features"] is True
    refused = call("POST", CHECKOUT, caller=realtor, body={"plan": "pro"})
    assert refused.status == 409
    assert "billing is off" in refused.body["errors"][0]["message"]


def test_an_unknown_billing_mode_is_refused_at_the_first_settings_read(monkeypatch):
    from realty.core.config import Settings

    with pytest.raises(ValueError, match="BILLING_MODE='free'"):
        Settings.from_environ({"BILLING_MODE": "free"})


def test_the_template_passes_the_billing_mode_to_every_function():
    from tests.support.template import template as load_template

    template = load_template()
    assert template["Parameters"]["BillingMode"]["AllowedValues"] == ["stripe", "off"]
    assert template["Parameters"]["BillingMode"]["Default"] == "stripe"
    assert "BILLING_MODE" in template["Globals"]["Function"]["Environment"]["Variables"]


# ---------------------------------------------------------------- complimentary plans


def test_an_admin_grants_a_complimentary_plan_until_a_date(aws, make_user, frozen_clock):
    from realty.billing.entitlements import require_pro

    admin, realtor = make_user(Role.ADMIN), make_user(Role.REALTOR)
    with pytest.raises(PaymentRequired):
        require_pro(realtor.user_id)

    granted = call(
        "PUT",
        _plan_route(realtor.user_id),
        caller=admin,
        body={"granted": True, "reason": "launch partner, ticket 118", "expires_at": "2027-04-01T00:00:00Z"},
    )

    assert granted.status == 200, granted.body
    assert granted.data["attributes"]["complimentary"] is True
    assert granted.data["attributes"]["complimentary_until"] == "2027-04-01T00:00:00Z"
    assert granted.data["attributes"]["complimentary_reason"] == "launch partner, ticket 118"
    require_pro(realtor.user_id)
    shown = call("GET", SUBSCRIPTION, caller=realtor).data["attributes"]
    assert shown["pro_features"] is True
    assert shown["plan"] == "free"  # no Stripe subscription behind it
    assert shown["complimentary_until"] == "2027-04-01T00:00:00Z"
    assert "complimentary_reason" not in shown  # support's note is not the realtor's to read
    [entry] = _audit(realtor.user_id)
    assert entry["action"] == "billing.complimentary_granted"
    assert entry["actor_id"] == admin.user_id
    assert entry["details"]["reason"] == "launch partner, ticket 118"
    assert entry["details"]["before"] == {"complimentary": False, "complimentary_until": None}
    assert entry["details"]["after"] == {"complimentary": True, "complimentary_until": "2027-04-01T00:00:00Z"}

    frozen_clock[0] = datetime(2027, 4, 1, 0, 0, 1, tzinfo=UTC)  # the grant has run out
    with pytest.raises(PaymentRequired):
        require_pro(realtor.user_id)
    assert call("GET", SUBSCRIPTION, caller=realtor).data["attributes"]["pro_features"] is False


def test_revoking_ends_the_grant_and_is_audited_with_its_reason(aws, make_user):
    from realty.billing.entitlements import require_pro

    admin, realtor = make_user(Role.ADMIN), make_user(Role.REALTOR)
    granted = call("PUT", _plan_route(realtor.user_id), caller=admin, body={"granted": True, "reason": "trial"})
    assert granted.status == 200

    revoked = call("PUT", _plan_route(realtor.user_id), caller=admin, body={"granted": False, "reason": "trial over"})

    assert revoked.status == 200
    assert revoked.data["attributes"]["complimentary"] is False
    assert revoked.data["attributes"]["pro_features"] is False
    with pytest.raises(PaymentRequired):
        require_pro(realtor.user_id)
    actions = sorted(e["action"] for e in _audit(realtor.user_id))
    assert actions == ["billing.complimentary_granted", "billing.complimentary_revoked"]
    revoke = next(e for e in _audit(realtor.user_id) if e["action"] == "billing.complimentary_revoked")
    assert revoke["details"]["before"]["complimentary"] is True
    assert revoke["details"]["after"]["complimentary"] is False


def test_a_stripe_sync_keeps_a_complimentary_grant(aws, make_user):
    """The webhook rewrites Stripe's fields only: a canceled subscription leaves the grant in force."""
    from realty.billing import store
    from realty.billing.entitlements import require_pro
    from realty.billing.models import BillingAccount, Plan, SubscriptionStatus

    admin, realtor = make_user(Role.ADMIN), make_user(Role.REALTOR)
    call("PUT", _plan_route(realtor.user_id), caller=admin, body={"granted": True, "reason": "partner"})
    stamp = clock.now_iso()
    canceled = BillingAccount(
        user_id=realtor.user_id,
        plan=Plan.FREE,
        status=SubscriptionStatus.CANCELED,
        synced_at_ms=1,
        created_at=stamp,
        updated_at=stamp,
    )

    assert store.save_sync(canceled, event_id="evt_1", event_type="customer.subscription.deleted", audit=None)

    assert require_pro(realtor.user_id).complimentary_active


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"granted": True}, "reason"),
        ({"granted": True, "reason": "ok reason", "plan": "pro"}, "plan"),
        ({"granted": True, "reason": "ok reason", "expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
        ({"granted": True, "reason": "ok reason", "expires_at": "next week"}, "expires_at"),
        ({"granted": "maybe", "reason": "ok reason"}, "granted"),
        ({"granted": True, "reason": "line\nbreak"}, "reason"),
    ],
)
def test_a_bad_grant_is_a_422_naming_the_field_and_writes_nothing(aws, make_user, body, field):
    admin, realtor = make_user(Role.ADMIN), make_user(Role.REALTOR)

    refused = call("PUT", _plan_route(realtor.user_id), caller=admin, body=body)

    assert refused.status == 422, refused.body
    assert refused.body["errors"][0]["field"].endswith(field)
    assert _audit(realtor.user_id) == []


def test_only_an_admin_grants_and_only_to_a_realtor(aws, make_user):
    admin, realtor, buyer = make_user(Role.ADMIN), make_user(Role.REALTOR), make_user(Role.BUYER)
    body = {"granted": True, "reason": "support"}

    assert call("PUT", _plan_route(realtor.user_id), caller=realtor, body=body).status == 403
    assert call("PUT", _plan_route("01JUNKNOWNUSER00000000000"), caller=admin, body=body).status == 404
    to_buyer = call("PUT", _plan_route(buyer.user_id), caller=admin, body=body)
    assert to_buyer.status == 409
    assert _audit(realtor.user_id) == [] and _audit(buyer.user_id) == []


def test_a_grant_ahead_more_than_five_years_is_refused(aws, make_user):
    admin, realtor = make_user(Role.ADMIN), make_user(Role.REALTOR)
    far = clock.iso(clock.now() + timedelta(days=6 * 365))

    body = {"granted": True, "reason": "ok reason", "expires_at": far}

    refused = call("PUT", _plan_route(realtor.user_id), caller=admin, body=body)

    assert refused.status == 422
