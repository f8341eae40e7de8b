"""Stripe webhook events: verified, processed once, and applied from Stripe's current state.

An event says *that* a subscription changed; what it changed to is read back from Stripe
(`subscriptions.retrieve`), so events delivered late or out of order (a `deleted` before an
older `updated`) still leave the plan Stripe holds now. Each event id is marked processed in the
same transaction as the change it causes, so a redelivery does nothing twice, and an event whose
processing failed (Stripe down, DynamoDB throttled) is answered with an error and retried by Stripe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from aws_lambda_powertools import Logger

from realty.adapters import email, stripe
from realty.billing import store
from realty.billing.models import (
    LIVE_STATUSES,
    PORTAL_PATH,
    BillingAccount,
    Plan,
    SubscriptionStatus,
    WebhookReceiptAttributes,
)
from realty.billing.service import epoch_to_iso, new_account
from realty.billing.store import SyncOutcome
from realty.core import clock, ids
from realty.core.audit import audit_action
from realty.core.envelope import Resource
from realty.core.metrics import count, count_by
from realty.users import store as users

logger = Logger(child=True)

SUBSCRIPTION_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.paid",
        "invoice.payment_failed",
    }
)
# Subscriptions in these states are over: they never take an account from a live subscription.
_ENDED = frozenset({SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED})

Outcome = Literal["processed", "duplicate", "ignored"]


def handle_event(payload: bytes, signature: str | None) -> Resource[WebhookReceiptAttributes]:
    """Verify one delivery and apply it; the receipt says whether it changed anything."""
    config = stripe.load_config()
    event = stripe.verify_webhook(payload, signature, config.webhook_secret)
    outcome = _process(config, event)
    count(f"StripeEvent{outcome.capitalize()}")
    # By type, for the types we act on (any other type Stripe may send counts as "other").
    count_by("StripeWebhookEvents", event_type=event.type if event.type in SUBSCRIPTION_EVENTS else "other")
    logger.info("Stripe event handled", extra={"event_type": event.type, "outcome": outcome})
    return Resource[WebhookReceiptAttributes](
        id=ids.new_id(),
        type="stripe_event_receipt",
        attributes=WebhookReceiptAttributes(event_type=event.type, outcome=outcome),
    )


def _process(config: stripe.StripeConfig, event: stripe.WebhookEvent) -> Outcome:
    if event.type not in SUBSCRIPTION_EVENTS:
        return "ignored"
    if store.event_processed(event.id):
        return "duplicate"
    subscription_id = subscription_of(event)
    if subscription_id is None:
        return "ignored"  # a one-off payment or invoice: no plan involved
    subscription = stripe.retrieve_subscription(config, subscription_id)
    synced_at_ms = int(clock.now().timestamp() * 1000)
    if subscription is None:
        logger.warning("subscription of an event is unknown to Stripe", extra={"event_type": event.type})
        return "ignored"
    user_id = store.get_customer_user(subscription.customer_id)
    if user_id is None:
        # Not a customer this deployment created (made in the dashboard, or another environment).
        logger.warning("Stripe customer without a realtor", extra={"event_type": event.type})
        count("StripeEventUnmapped")
        return "ignored"
    account = store.get_account(user_id) or new_account(user_id)
    updated = apply_subscription(account, subscription, config, synced_at_ms=synced_at_ms)
    if updated is None:
        return "ignored"
    outcome = store.save_sync(
        updated, event_id=event.id, event_type=event.type, audit=_audit_change(account, updated, event.type)
    )
    if outcome is SyncOutcome.DUPLICATE:
        return "duplicate"
    if event.type == "invoice.payment_failed":
        _email_payment_failed(user_id, updated, event.object)
    return "processed"


def subscription_of(event: stripe.WebhookEvent) -> str | None:
    """The id of the subscription an event is about, wherever its type keeps it."""
    obj = event.object
    if event.type.startswith("customer.subscription."):
        return _id(obj.get("id"))
    if event.type == "checkout.session.completed":
        return _id(obj.get("subscription")) if obj.get("mode") == "subscription" else None
    if event.type.startswith("invoice."):
        # Since API version 2025-03-31 an invoice names its subscription under parent.subscription_details.
        details = (obj.get("parent") or {}).get("subscription_details") or {}
        return _id(details.get("subscription")) or _id(obj.get("subscription"))
    return None


def _id(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("id")
    return str(value) if value else None


def _status(value: str) -> SubscriptionStatus:
    try:
        return SubscriptionStatus(value)
    except ValueError:
        logger.warning("unknown Stripe subscription status", extra={"status": value})
        return SubscriptionStatus.INCOMPLETE  # not entitled until Stripe says active


def apply_subscription(
    account: BillingAccount, subscription: stripe.Subscription, config: stripe.StripeConfig, *, synced_at_ms: int
) -> BillingAccount | None:
    """The account as this subscription makes it; None when the subscription must not touch it.

    A realtor may hold an old, ended subscription beside a live one (cancelled, then subscribed
    again): news about the ended one never downgrades the live one.
    """
    status = _status(subscription.status)
    if (
        account.subscription_id
        and account.subscription_id != subscription.id
        and account.status in LIVE_STATUSES
        and status not in LIVE_STATUSES
    ):
        return None
    # Our checkout tags subscriptions with the plan, so a price changed later in the secret still maps.
    is_pro = config.price_pro in subscription.price_ids or subscription.metadata.get("plan") == Plan.PRO.value
    if not is_pro:
        logger.warning("subscription to a price that is no plan of ours", extra={"status": status.value})
    plan = Plan.PRO if is_pro and status not in _ENDED else Plan.FREE
    return account.model_copy(
        update={
            "plan": plan,
            "status": status,
            "customer_id": account.customer_id or subscription.customer_id,
            "subscription_id": subscription.id,
            "price_id": subscription.price_ids[0] if subscription.price_ids else None,
            "current_period_end": epoch_to_iso(subscription.current_period_end),
            "cancel_at_period_end": subscription.cancel_at_period_end,
            "synced_at_ms": synced_at_ms,
            "updated_at": clock.now_iso(),
        }
    )


def _audit_change(before: BillingAccount, after: BillingAccount, event_type: str) -> dict[str, Any] | None:
    if (before.plan, before.status, before.cancel_at_period_end) == (
        after.plan,
        after.status,
        after.cancel_at_period_end,
    ):
        return None
    action = "billing.plan_changed" if before.plan is not after.plan else "billing.subscription_changed"
    return audit_action(
        actor_id="stripe",
        action=action,
        resource_type="billing_account",
        resource_id=after.user_id,
        details={
            "from_plan": before.plan.value,
            "to_plan": after.plan.value,
            "from_status": before.status.value,
            "to_status": after.status.value,
            "cancel_at_period_end": after.cancel_at_period_end,
            "event_type": event_type,
        },
    )


def _email_payment_failed(user_id: str, account: BillingAccount, invoice: Mapping[str, Any]) -> None:
    user = users.get_user(user_id)
    if user is None:
        return
    invoice_url = invoice.get("hosted_invoice_url")
    pay_line = f"Pay the invoice here: {invoice_url}\n" if isinstance(invoice_url, str) and invoice_url else ""
    text = (
        f"Hello {user.full_name},\n\n"
        "the payment for your RealtyForYou pro subscription failed, and the subscription is now "
        f"{account.status.value.replace('_', ' ')}. Recording, transcripts, highlights and summaries "
        "of new tours are paused until it goes through; the artifacts of past tours stay available.\n\n"
        f"{pay_line}"
        "Or update your payment method under Billing in the app "
        f"({PORTAL_PATH}).\n"
    )
    html = "".join(f"<p>{_escape(paragraph)}</p>" for paragraph in text.split("\n\n"))
    email.send(email.Email(to=[user.email], subject="Your RealtyForYou payment failed", text=text, html=html))


def _escape(text: str) -> str:
    from html import escape

    return escape(text).replace("\n", "<br>")
