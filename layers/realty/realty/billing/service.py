"""Billing rules: starting a subscription, the customer portal, the current plan, granted plans."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from realty.adapters import stripe
from realty.billing import store
from realty.billing.models import (
    CHECKOUT_PATH,
    LIVE_STATUSES,
    PORTAL_PATH,
    AdminSubscriptionAttributes,
    BillingAccount,
    CheckoutSessionAttributes,
    CheckoutSessionRequest,
    ComplimentaryPlanRequest,
    Plan,
    PortalSessionAttributes,
    SubscriptionAttributes,
    SubscriptionStatus,
)
from realty.core import audit, clock, ids
from realty.core.auth import Caller, Role
from realty.core.config import get_settings
from realty.core.envelope import Resource
from realty.core.errors import Conflict, NotFound
from realty.core.metrics import count

# A retried checkout request within this window gets the same Checkout Session back from Stripe.
CHECKOUT_IDEMPOTENCY_WINDOW_SECONDS = 600


def epoch_to_iso(seconds: int | None) -> str | None:
    return clock.iso(datetime.fromtimestamp(seconds, UTC)) if seconds else None


def new_account(user_id: str) -> BillingAccount:
    stamp = clock.now_iso()
    return BillingAccount(user_id=user_id, created_at=stamp, updated_at=stamp)


def _attributes(account: BillingAccount) -> dict[str, Any]:
    complimentary = account.complimentary_active
    return {
        "plan": account.plan,
        "status": account.status,
        "current_period_end": account.current_period_end,
        "cancel_at_period_end": account.cancel_at_period_end,
        # With billing off every realtor has them, whatever the account says (require_pro agrees).
        "pro_features": account.entitled or get_settings().billing_off,
        "complimentary": complimentary,
        "complimentary_until": account.complimentary_until if complimentary else None,
    }


def to_resource(account: BillingAccount) -> Resource[SubscriptionAttributes]:
    attributes = SubscriptionAttributes(**_attributes(account))
    return Resource[SubscriptionAttributes](id=account.user_id, type="subscription", attributes=attributes)


def to_admin_resource(account: BillingAccount) -> Resource[AdminSubscriptionAttributes]:
    attributes = AdminSubscriptionAttributes(**_attributes(account), complimentary_reason=account.complimentary_reason)
    return Resource[AdminSubscriptionAttributes](id=account.user_id, type="subscription", attributes=attributes)


def _refuse_when_billing_off() -> None:
    if get_settings().billing_off:
        raise Conflict("billing is off on this deployment: every realtor already has the pro features")


def get_subscription(caller: Caller) -> Resource[SubscriptionAttributes]:
    """The caller's plan; a realtor who never subscribed is on `free` with status `none`."""
    return to_resource(store.get_account(caller.user_id) or new_account(caller.user_id))


def start_checkout(caller: Caller, request: CheckoutSessionRequest) -> Resource[CheckoutSessionAttributes]:
    """A Stripe Checkout page for the plan, for the realtor's one Stripe customer.

    Retries are safe end to end: the customer is created under an idempotency key derived from
    the user, the session under one derived from user, plan and a ten-minute window, so a
    retried request gets the same customer and the same page back instead of new ones.
    """
    _refuse_when_billing_off()
    config = stripe.load_config()
    plan = Plan(request.plan)
    account = store.get_account(caller.user_id)
    if account is not None and account.plan is Plan.PRO and account.status in LIVE_STATUSES:
        raise Conflict(f"you already have a pro subscription: manage it with {PORTAL_PATH}")
    customer_id = account.customer_id if account else None
    new_customer = customer_id is None
    if customer_id is None:
        customer_id = stripe.create_customer(
            config,
            user_id=caller.user_id,
            email=caller.email,
            idempotency_key=f"realty-customer-{caller.user_id}",
        )
    window = int(clock.now().timestamp()) // CHECKOUT_IDEMPOTENCY_WINDOW_SECONDS
    session = stripe.create_checkout_session(
        config,
        customer_id=customer_id,
        user_id=caller.user_id,
        plan=plan.value,
        price_id=config.price_pro,
        idempotency_key=f"realty-checkout-{caller.user_id}-{plan.value}-{window}",
    )
    # The page is handed out only once the customer -> user lookup is stored, so every webhook
    # about this checkout can find its realtor.
    started: dict[str, Any] = {
        "actor_id": caller.user_id,
        "action": "billing.checkout_started",
        "resource_type": "billing_account",
        "resource_id": caller.user_id,
        "details": {"plan": plan.value, "new_customer": new_customer},
    }
    if new_customer:
        store.link_customer(caller.user_id, customer_id, stamp=clock.now_iso(), audit=audit.audit_action(**started))
    else:
        audit.record(**started)
    count("CheckoutStarted")
    attributes = CheckoutSessionAttributes(plan=plan, url=session.url, expires_at=epoch_to_iso(session.expires_at))
    return Resource[CheckoutSessionAttributes](id=ids.new_id(), type="checkout_session", attributes=attributes)


def open_portal(caller: Caller) -> Resource[PortalSessionAttributes]:
    """A Stripe Customer Portal page: payment method, invoices, plan cancellation."""
    _refuse_when_billing_off()
    config = stripe.load_config()
    account = store.get_account(caller.user_id)
    if account is None or not account.customer_id:
        raise Conflict(f"you have no subscription to manage yet: start one with {CHECKOUT_PATH}")
    url = stripe.create_portal_session(config, customer_id=account.customer_id)
    return Resource[PortalSessionAttributes](
        id=ids.new_id(), type="portal_session", attributes=PortalSessionAttributes(url=url)
    )


def grant_plan(
    user_id: str,
    plan: Plan | str = Plan.PRO,
    status: SubscriptionStatus | str = SubscriptionStatus.ACTIVE,
    *,
    actor_id: str = audit.SYSTEM_ACTOR,
) -> BillingAccount:
    """Put a realtor on a plan without Stripe (the local stack's demo data, support), audited.

    A later Stripe event for the realtor's real subscription overwrites it.
    """
    existing = store.get_account(user_id)
    account = (existing or new_account(user_id)).model_copy(
        update={"plan": Plan(plan), "status": SubscriptionStatus(status), "updated_at": clock.now_iso()}
    )
    grant = audit.audit_action(
        actor_id=actor_id,
        action="billing.plan_granted",
        resource_type="billing_account",
        resource_id=user_id,
        details={
            "from_plan": existing.plan.value if existing else Plan.FREE.value,
            "to_plan": account.plan.value,
            "to_status": account.status.value,
        },
    )
    store.put_account(account, audit=grant)
    return account


def set_complimentary_plan(
    caller: Caller, user_id: str, request: ComplimentaryPlanRequest
) -> Resource[AdminSubscriptionAttributes]:
    """Admin: grant or revoke a realtor's complimentary pro plan, with a reason and an optional end.

    The grant sits beside the Stripe subscription (its own fields of the account), so a webhook
    never erases it and revoking it never touches a paid plan. One UpdateItem with its audit item,
    which keeps the reason and the before and after values.
    """
    # Imported on use: only this admin route reads users from billing.
    from realty.users import store as users_store
    from realty.users.models import UserStatus

    user = users_store.get_user(user_id)
    if user is None or user.status is not UserStatus.ACTIVE:
        raise NotFound("no such user")
    if user.role is not Role.REALTOR:
        raise Conflict("only a realtor has a plan; this user is a " + user.role.value, field="user_id")
    before = store.get_account(user_id) or new_account(user_id)
    stamp = clock.now_iso()
    values = {
        "complimentary": request.granted,
        "complimentary_until": request.expires_at if request.granted else None,
        "complimentary_reason": request.reason,
        "complimentary_granted_by": caller.user_id,
    }
    audit_item = audit.audit_action(
        actor_id=caller.user_id,
        action="billing.complimentary_granted" if request.granted else "billing.complimentary_revoked",
        resource_type="billing_account",
        resource_id=user_id,
        details={
            "reason": request.reason,
            "before": {"complimentary": before.complimentary_active, "complimentary_until": before.complimentary_until},
            "after": {"complimentary": request.granted, "complimentary_until": values["complimentary_until"]},
        },
    )
    store.set_complimentary(user_id, values, stamp=stamp, audit=audit_item)
    after = before.model_copy(update=values | {"updated_at": stamp})
    return to_admin_resource(after)
