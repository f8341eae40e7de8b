"""Billing models: the stored billing account, the routes' request and response attributes."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, Field

from realty.core.models import Model

CHECKOUT_PATH = "POST /api/v1/realtors/billing/checkout-session"
PORTAL_PATH = "POST /api/v1/realtors/billing/portal-session"


class Plan(StrEnum):
    FREE = "free"  # live video tours
    PRO = "pro"  # + recording, transcript, highlights, summary


class SubscriptionStatus(StrEnum):
    """Stripe's subscription statuses, plus `none` for a realtor who never subscribed."""

    NONE = "none"
    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    UNPAID = "unpaid"
    PAUSED = "paused"
    CANCELED = "canceled"


# Statuses that unlock the pro features.
ENTITLED_STATUSES = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING})
# Statuses of a subscription that still exists in Stripe and can come back to active: a second
# checkout would make a second subscription, so these go to the portal instead.
LIVE_STATUSES = frozenset(
    {
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.TRIALING,
        SubscriptionStatus.PAST_DUE,
        SubscriptionStatus.UNPAID,
        SubscriptionStatus.PAUSED,
    }
)


class BillingAccount(Model):
    """One realtor's billing state as stored (`BILLING#<user_id>`/`ACCOUNT`); never returned as-is."""

    user_id: str
    plan: Plan = Plan.FREE
    status: SubscriptionStatus = SubscriptionStatus.NONE
    customer_id: str | None = None
    subscription_id: str | None = None
    price_id: str | None = None
    current_period_end: str | None = None
    cancel_at_period_end: bool = False
    # When the subscription was last read from Stripe (epoch ms): an older read never overwrites a newer one.
    synced_at_ms: int | None = None
    created_at: str
    updated_at: str

    @property
    def entitled(self) -> bool:
        return self.plan is Plan.PRO and self.status in ENTITLED_STATUSES


class CheckoutSessionRequest(Model):
    model_config = ConfigDict(extra="forbid")

    plan: Literal["pro"] = Field(description="the plan to subscribe to; `pro` is the only paid plan")


class CheckoutSessionAttributes(Model):
    plan: Plan
    url: str = Field(description="Stripe Checkout page to send the realtor to")
    expires_at: str | None = Field(default=None, description="when the checkout page stops accepting payment")


class PortalSessionAttributes(Model):
    url: str = Field(description="Stripe Customer Portal page (payment method, invoices, cancel)")


class SubscriptionAttributes(Model):
    plan: Plan
    status: SubscriptionStatus
    current_period_end: str | None = Field(default=None, description="end of the paid period, ISO-8601 UTC")
    cancel_at_period_end: bool = False
    pro_features: bool = Field(description="true while recording, transcript, highlights and summary are enabled")


class WebhookReceiptAttributes(Model):
    event_type: str
    outcome: Literal["processed", "duplicate", "ignored"]
