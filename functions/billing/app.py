"""/api/v1/realtors/billing/*: the realtor's subscription (Stripe Checkout, Customer Portal, current plan)."""

from __future__ import annotations

from typing import Any

from realty.billing import service
from realty.billing.models import (
    CheckoutSessionAttributes,
    CheckoutSessionRequest,
    PortalSessionAttributes,
    SubscriptionAttributes,
)
from realty.core.api import Response, create_app, make_handler, respond
from realty.core.auth import Role, require_role
from realty.core.envelope import Envelope, Resource

app = create_app()


@app.post(
    "/api/v1/realtors/billing/checkout-session",
    summary="Start a pro subscription: a Stripe Checkout page to send the realtor to",
    tags=["billing"],
    status_code=201,
)
def create_checkout_session(body: CheckoutSessionRequest) -> Response[Envelope[Resource[CheckoutSessionAttributes]]]:
    caller = require_role(app, Role.REALTOR)
    return respond(app, service.start_checkout(caller, body), status=201)


@app.post(
    "/api/v1/realtors/billing/portal-session",
    summary="Manage the subscription: a Stripe Customer Portal page",
    tags=["billing"],
    status_code=201,
)
def create_portal_session() -> Response[Envelope[Resource[PortalSessionAttributes]]]:
    caller = require_role(app, Role.REALTOR)
    return respond(app, service.open_portal(caller), status=201)


@app.get("/api/v1/realtors/billing/subscription", summary="The realtor's plan and subscription", tags=["billing"])
def get_subscription() -> Response[Envelope[Resource[SubscriptionAttributes]]]:
    caller = require_role(app, Role.REALTOR)
    return respond(app, service.get_subscription(caller))


lambda_handler: Any = make_handler(app)
