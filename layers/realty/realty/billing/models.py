"""Billing models: the stored billing account, the routes' request and response attributes."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from realty.core import clock
from realty.core.models import Model
from realty.core.types import SINGLE_LINE

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
    # A complimentary pro plan an admin granted, beside (never instead of) the Stripe fields: a
    # webhook rewrites only what Stripe owns, so neither overwrites the other.
    complimentary: bool = False
    complimentary_until: str | None = None  # ISO-8601 UTC; None: until revoked
    complimentary_reason: str | None = None
    complimentary_granted_by: str | None = None
    created_at: str
    updated_at: str

    @property
    def subscribed(self) -> bool:
        """The Stripe subscription unlocks the pro features."""
        return self.plan is Plan.PRO and self.status in ENTITLED_STATUSES

    @property
    def complimentary_active(self) -> bool:
        return self.complimentary and (self.complimentary_until is None or self.complimentary_until > clock.now_iso())

    @property
    def entitled(self) -> bool:
        return self.subscribed or self.complimentary_active


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
    complimentary: bool = Field(
        default=False, description="true while a complimentary pro plan granted by support is in force"
    )
    complimentary_until: str | None = Field(
        default=None, description="when the complimentary plan ends, ISO-8601 UTC; null: until revoked"
    )


class AdminSubscriptionAttributes(SubscriptionAttributes):
    """What an admin sees of a realtor's plan: also why a complimentary plan was granted or revoked."""

    complimentary_reason: str | None = None


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500, pattern=SINGLE_LINE)]


class ComplimentaryPlanRequest(Model):
    """Grant (`granted: true`) or revoke a complimentary pro plan; the reason goes to the audit trail."""

    model_config = ConfigDict(extra="forbid")

    granted: bool = Field(description="true grants the complimentary pro plan, false revokes it")
    reason: Reason = Field(description="why (a support ticket, a partner agreement...); kept in the audit log")
    expires_at: str | None = Field(
        default=None,
        max_length=40,
        description="ISO-8601 date-time the grant ends (future, at most 5 years ahead); omitted: until revoked",
    )

    @field_validator("expires_at")
    @classmethod
    def _future(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            moment = clock.parse_iso(value)
        except ValueError:
            raise ValueError("expires_at must be an ISO-8601 date-time, e.g. 2026-01-15T10:30:00Z") from None
        now = clock.now()
        if moment <= now:
            raise ValueError("expires_at must be in the future")
        if moment > now + timedelta(days=5 * 366):
            raise ValueError("expires_at must be at most 5 years ahead")
        return clock.iso(moment)


class WebhookReceiptAttributes(Model):
    event_type: str
    outcome: Literal["processed", "duplicate", "ignored"]
