"""require_pro: what the recording and processing routes will call before starting anything pro."""

from __future__ import annotations

import pytest

from realty.billing.entitlements import require_pro
from realty.billing.service import grant_plan
from realty.core.auth import Role
from realty.core.errors import PaymentRequired


def test_entitlements_follow_plan_and_status_in_one_read_each(aws, make_user):
    from realty.core.aws import client

    calls: list[str] = []
    client("dynamodb").meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))

    never_subscribed = make_user(Role.REALTOR).user_id
    calls.clear()
    with pytest.raises(PaymentRequired) as free:
        require_pro(never_subscribed)
    assert calls == ["GetItem"]
    assert free.value.status == 402
    assert free.value.code == "PAYMENT_REQUIRED"
    assert free.value.message == (
        "recording needs the pro plan: start a subscription with POST /api/v1/realtors/billing/checkout-session"
    )

    cases = {
        ("pro", "active"): True,
        ("pro", "trialing"): True,
        ("pro", "past_due"): False,
        ("pro", "unpaid"): False,
        ("pro", "incomplete"): False,
        ("free", "canceled"): False,
        ("free", "active"): False,
    }
    for (plan, status), allowed in cases.items():
        user_id = make_user(Role.REALTOR).user_id
        grant_plan(user_id, plan=plan, status=status)
        calls.clear()
        if allowed:
            account = require_pro(user_id)
            assert (account.plan.value, account.status.value) == (plan, status)
        else:
            with pytest.raises(PaymentRequired):
                require_pro(user_id)
        assert calls == ["GetItem"], (plan, status)


def test_a_past_due_realtor_is_told_to_fix_the_payment(aws, make_user):
    user_id = make_user(Role.REALTOR).user_id
    grant_plan(user_id, plan="pro", status="past_due")

    with pytest.raises(PaymentRequired) as error:
        require_pro(user_id, feature="tour processing")

    assert error.value.message.startswith("tour processing needs the pro plan, and your subscription is past_due")
    assert "POST /api/v1/realtors/billing/portal-session" in error.value.message


def test_a_downgrade_takes_the_pro_features_away(aws, make_user):
    user_id = make_user(Role.REALTOR).user_id
    grant_plan(user_id, plan="pro", status="active")
    require_pro(user_id)

    grant_plan(user_id, plan="free", status="canceled")

    with pytest.raises(PaymentRequired):
        require_pro(user_id)
