"""Stripe: configuration, Checkout, Customer Portal, subscriptions and webhook verification.

The `stripe` SDK is imported inside the functions that call it, so only the billing functions pay
for it, and only when they talk to Stripe. Everything returned is a plain dataclass, never a
StripeObject. Tests replace the client factory (`set_client_factory`) to point the real SDK at a
local HTTP fake.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from realty.core import actor, snapstart
from realty.core.config import get_settings
from realty.core.errors import BadRequest, Conflict, NotConfigured, RateLimited, UpstreamError
from realty.core.metrics import count

if TYPE_CHECKING:
    from stripe import StripeClient

logger = Logger(child=True)

CONFIG_MAX_AGE_SECONDS = 300
CONNECT_TIMEOUT_SECONDS = 2.0
READ_TIMEOUT_SECONDS = 6.0
# How far a webhook signature's timestamp may be from our clock, either way (Stripe's default).
WEBHOOK_TOLERANCE_SECONDS = 300

_NOT_CONFIGURED = (
    "billing is not configured on this deployment: put the Stripe api_key, webhook_secret, price_pro, "
    "success_url, cancel_url and portal_return_url into the StripeSecret secret"
)

# key in the secret -> prefix a real value has (a placeholder has none of them)
_REQUIRED_PREFIXES: dict[str, tuple[str, ...]] = {
    "api_key": ("sk_", "rk_"),
    "webhook_secret": ("whsec_",),
    "price_pro": ("price_",),
    "success_url": ("https://", "http://"),
    "cancel_url": ("https://", "http://"),
    "portal_return_url": ("https://", "http://"),
}


@dataclass(frozen=True)
class StripeConfig:
    api_key: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    price_pro: str
    success_url: str
    cancel_url: str
    portal_return_url: str


@dataclass(frozen=True)
class CheckoutSession:
    url: str
    expires_at: int | None


@dataclass(frozen=True)
class Subscription:
    id: str
    customer_id: str
    status: str
    price_ids: tuple[str, ...]
    current_period_end: int | None
    cancel_at_period_end: bool
    metadata: Mapping[str, str]


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    created: int
    object: Mapping[str, Any]


# ---------------------------------------------------------------- configuration


def load_config() -> StripeConfig:
    """The Stripe settings from Secrets Manager (cached five minutes); NotConfigured while a placeholder."""
    arn = get_settings().stripe_secret_arn
    if not arn:
        raise NotConfigured(_NOT_CONFIGURED)
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError, TransformParameterError

    from realty.core.secrets import get_secret

    try:
        values = get_secret(arn, transform="json", max_age=CONFIG_MAX_AGE_SECONDS)
    except TransformParameterError as error:
        raise NotConfigured(_NOT_CONFIGURED) from error
    except GetParameterError as error:
        logger.warning("Stripe secret unreadable", extra={"reason": type(error.__cause__).__name__})
        raise UpstreamError("the billing configuration could not be read, retry later") from error
    if not isinstance(values, dict):
        raise NotConfigured(_NOT_CONFIGURED)
    placeholders = [
        name
        for name, prefixes in _REQUIRED_PREFIXES.items()
        if not isinstance(values.get(name), str) or not str(values[name]).startswith(prefixes)
    ]
    if placeholders:
        raise NotConfigured(f"{_NOT_CONFIGURED} (still missing: {', '.join(placeholders)})")
    return StripeConfig(**{name: str(values[name]) for name in _REQUIRED_PREFIXES})


# ---------------------------------------------------------------- client

ClientFactory = Callable[[str], "StripeClient"]


def default_client(api_key: str) -> StripeClient:
    import stripe

    return stripe.StripeClient(
        api_key,
        max_network_retries=1,
        http_client=stripe.RequestsClient(timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS)),
    )


_factory: ClientFactory = default_client
_clients: dict[str, StripeClient] = {}


def set_client_factory(factory: ClientFactory | None) -> None:
    """Build Stripe clients with `factory(api_key)` (tests: the SDK pointed at a fake); None restores Stripe."""
    global _factory
    _factory = factory or default_client
    _clients.clear()


@snapstart.after_restore
def _renew_clients() -> None:
    """Each restored copy opens its own HTTP connections to Stripe."""
    _clients.clear()


def _client(config: StripeConfig) -> StripeClient:
    """One client per API key per container (the key may rotate through the secret).

    On a state-changing request, Stripe is only called for an actor who may still write (a checkout
    or portal page hands out control of the subscription): `realty.core.actor.confirm`."""
    actor.confirm()
    found = _clients.get(config.api_key)
    if found is None:
        _clients.clear()
        found = _clients[config.api_key] = _factory(config.api_key)
    return found


@contextmanager
def _calling_stripe(action: str) -> Iterator[None]:
    """Stripe failures as domain errors; what Stripe said is logged, never answered to the client."""
    import stripe

    try:
        yield
    except stripe.StripeError as error:
        logger.warning(
            "Stripe call failed",
            extra={
                "action": action,
                "error": type(error).__name__,
                "http_status": error.http_status,
                "stripe_code": error.code,
                "stripe_request_id": error.request_id,
            },
        )
        count("StripeCallFailed")
        if isinstance(error, stripe.IdempotencyError):
            raise Conflict("an identical billing request is still being processed, retry in a moment") from error
        if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
            raise NotConfigured("billing is misconfigured on this deployment: Stripe refused the API key") from error
        if isinstance(error, stripe.RateLimitError):
            raise RateLimited("the payment provider is busy, retry later") from error
        raise UpstreamError("the payment provider failed to answer, retry later") from error


# ---------------------------------------------------------------- operations


def create_customer(config: StripeConfig, *, user_id: str, email: str, idempotency_key: str) -> str:
    """A Stripe customer for a realtor; the same idempotency key always answers the same customer."""
    params: dict[str, Any] = {"metadata": {"user_id": user_id}}
    if email:
        params["email"] = email
    with _calling_stripe("customers.create"):
        customer = _client(config).v1.customers.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": idempotency_key},
        )
    return str(customer.id)


def create_checkout_session(
    config: StripeConfig, *, customer_id: str, user_id: str, plan: str, price_id: str, idempotency_key: str
) -> CheckoutSession:
    metadata = {"user_id": user_id, "plan": plan}
    with _calling_stripe("checkout.sessions.create"):
        session = _client(config).v1.checkout.sessions.create(
            params={
                "mode": "subscription",
                "customer": customer_id,
                "line_items": [{"price": price_id, "quantity": 1}],
                "client_reference_id": user_id,
                "metadata": metadata,
                "subscription_data": {"metadata": metadata},
                "success_url": config.success_url,
                "cancel_url": config.cancel_url,
            },
            options={"idempotency_key": idempotency_key},
        )
    if not session.url:
        raise UpstreamError("the payment provider returned no checkout page, retry later")
    return CheckoutSession(url=str(session.url), expires_at=session.expires_at)


def create_portal_session(config: StripeConfig, *, customer_id: str) -> str:
    with _calling_stripe("billing_portal.sessions.create"):
        session = _client(config).v1.billing_portal.sessions.create(
            params={"customer": customer_id, "return_url": config.portal_return_url}
        )
    return str(session.url)


def retrieve_subscription(config: StripeConfig, subscription_id: str) -> Subscription | None:
    """The subscription as Stripe holds it now; None when Stripe has no such subscription."""
    import stripe

    with _calling_stripe("subscriptions.retrieve"):
        try:
            found = _client(config).v1.subscriptions.retrieve(subscription_id)
        except stripe.InvalidRequestError as error:
            if error.http_status == 404:
                return None
            raise
    data = found.to_dict()
    items = (data.get("items") or {}).get("data") or []
    period_ends = [int(i["current_period_end"]) for i in items if i.get("current_period_end")]
    legacy_end = data.get("current_period_end")  # API versions before 2025-03-31 kept it on the subscription
    customer = data.get("customer")
    return Subscription(
        id=str(data["id"]),
        customer_id=str(customer["id"] if isinstance(customer, dict) else customer),
        status=str(data.get("status") or ""),
        price_ids=tuple(str(i["price"]["id"]) for i in items if isinstance(i.get("price"), dict)),
        current_period_end=max(period_ends) if period_ends else (int(legacy_end) if legacy_end else None),
        cancel_at_period_end=bool(data.get("cancel_at_period_end")),
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
    )


def _signed_at(header: str) -> int:
    """The `t=` timestamp of a `Stripe-Signature` header, read as the SDK reads it (the first one)."""
    for item in header.split(","):
        name, _, value = item.partition("=")
        if name == "t":
            return int(value)
    return 0


def verify_webhook(payload: bytes, signature: str | None, secret: str) -> WebhookEvent:
    """The event, if `Stripe-Signature` signs exactly this body with our secret within Stripe's tolerance."""
    import stripe

    try:
        event = stripe.Webhook.construct_event(payload, signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS)
        # The SDK refuses only signatures older than the tolerance; one from the future is as suspect
        # (a replay prepared in advance, or a sender's clock we should not trust).
        if _signed_at(signature or "") > time.time() + WEBHOOK_TOLERANCE_SECONDS:
            raise stripe.SignatureVerificationError("timestamp in the future", signature)
    except (stripe.SignatureVerificationError, ValueError, RecursionError) as error:
        # ValueError: not JSON, or not UTF-8 (UnicodeDecodeError is a ValueError); RecursionError:
        # nested too deep to parse (the handler wrapper refuses such bodies first).
        count("StripeWebhookRejected")
        raise BadRequest("the Stripe-Signature header does not sign this body (or is too old)") from error
    data = event.to_dict()
    event_object = (data.get("data") or {}).get("object") or {}
    if not data.get("id") or not data.get("type"):
        raise BadRequest("the body is not a Stripe event")
    return WebhookEvent(
        id=str(data["id"]),
        type=str(data["type"]),
        created=int(data.get("created") or 0),
        object=event_object if isinstance(event_object, dict) else {},
    )
