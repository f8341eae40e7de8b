"""A local stand-in for the Stripe API, for the real `stripe` SDK to talk to over HTTP.

It serves the four endpoints billing uses with Stripe's response shapes (API version
2026-10-28: a subscription's period lives on its items), records every request (path, headers,
form parameters as the SDK encoded them), honours `Idempotency-Key` like Stripe (same key and
parameters: the first response replayed; other parameters: `idempotency_error`), and can be told
to fail. Webhook helpers build event envelopes and sign them as Stripe does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

API_KEY = "sk_test_realtyforyou_fake"
WEBHOOK_SECRET = "whsec_test_realtyforyou_fake"
PRICE_PRO = "price_test_pro_monthly"
CONFIG = {
    "api_key": API_KEY,
    "webhook_secret": WEBHOOK_SECRET,
    "price_pro": PRICE_PRO,
    "success_url": "https://app.realtyforyou.example/billing/success",
    "cancel_url": "https://app.realtyforyou.example/billing/cancel",
    "portal_return_url": "https://app.realtyforyou.example/billing",
}
API_VERSION = "2026-10-28.endive"
MONTH = 30 * 24 * 3600


def _stripe_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, str]

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


@dataclass
class _Failure:
    method: str
    path_prefix: str
    status: int
    body: dict[str, Any]


@dataclass
class StripeFake:
    api_key: str = API_KEY
    requests: list[RecordedRequest] = field(default_factory=list)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    checkout_sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    _failures: list[_Failure] = field(default_factory=list)
    _idempotent: dict[str, tuple[dict[str, str], int, dict[str, Any]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> StripeFake:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll interval: shutdown() waits for it, once per test.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_port}"

    def client(self, api_key: str) -> Any:
        """The real SDK client, pointed at this fake (what `set_client_factory` receives)."""
        import stripe

        return stripe.StripeClient(api_key, base_addresses={"api": self.url}, max_network_retries=0)

    # ------------------------------------------------------------ test controls

    def fail_next(self, method: str, path_prefix: str, status: int = 500, error_type: str = "api_error") -> None:
        """The next matching request answers this error instead (once)."""
        body = {"error": {"type": error_type, "message": "An unexpected error occurred (fake)."}}
        self._failures.append(_Failure(method, path_prefix, status, body))

    def requests_to(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def add_subscription(
        self,
        customer_id: str,
        *,
        status: str = "active",
        price_id: str = PRICE_PRO,
        cancel_at_period_end: bool = False,
        metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        now = int(time.time())
        subscription_id = _stripe_id("sub")
        subscription: dict[str, Any] = {
            "id": subscription_id,
            "object": "subscription",
            "application": None,
            "automatic_tax": {"enabled": False, "liability": None},
            "billing_cycle_anchor": now,
            "cancel_at": None,
            "cancel_at_period_end": cancel_at_period_end,
            "canceled_at": None,
            "collection_method": "charge_automatically",
            "created": now,
            "currency": "usd",
            "customer": customer_id,
            "default_payment_method": _stripe_id("pm"),
            "description": None,
            "discounts": [],
            "ended_at": None,
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": _stripe_id("si"),
                        "object": "subscription_item",
                        "created": now,
                        "current_period_end": now + MONTH,
                        "current_period_start": now,
                        "metadata": {},
                        "price": {
                            "id": price_id,
                            "object": "price",
                            "active": True,
                            "billing_scheme": "per_unit",
                            "currency": "usd",
                            "livemode": False,
                            "product": "prod_test_pro",
                            "recurring": {"interval": "month", "interval_count": 1, "usage_type": "licensed"},
                            "type": "recurring",
                            "unit_amount": 2900,
                        },
                        "quantity": 1,
                        "subscription": subscription_id,
                    }
                ],
                "has_more": False,
                "total_count": 1,
                "url": f"/v1/subscription_items?subscription={subscription_id}",
            },
            "latest_invoice": _stripe_id("in"),
            "livemode": False,
            "metadata": metadata or {},
            "pending_update": None,
            "start_date": now,
            "status": status,
            "trial_end": None,
            "trial_start": None,
        }
        self.subscriptions[subscription_id] = subscription
        return subscription

    def update_subscription(self, subscription_id: str, **changes: Any) -> dict[str, Any]:
        subscription = self.subscriptions[subscription_id]
        subscription.update(changes)
        if changes.get("status") == "canceled":
            subscription["canceled_at"] = subscription["ended_at"] = int(time.time())
        return subscription

    # ------------------------------------------------------------ HTTP

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode() if length else ""
        path, _, query = request.path.partition("?")
        params = dict(parse_qsl(raw if method == "POST" else query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in request.headers.items()}
        recorded = RecordedRequest(method, path, headers, params)
        with self._lock:
            self.requests.append(recorded)
            status, body, replayed = self._answer(recorded)
        payload = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(payload)))
        request.send_header("Request-Id", _stripe_id("req"))
        request.send_header("Stripe-Version", API_VERSION)
        if replayed:
            request.send_header("Idempotent-Replayed", "true")
        request.end_headers()
        request.wfile.write(payload)

    def _answer(self, request: RecordedRequest) -> tuple[int, dict[str, Any], bool]:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, _error("invalid_request_error", "Invalid API Key provided."), False
        for failure in self._failures:
            if failure.method == request.method and request.path.startswith(failure.path_prefix):
                self._failures.remove(failure)
                return failure.status, failure.body, False
        key = request.idempotency_key if request.method == "POST" else None
        if key and key in self._idempotent:
            params, status, body = self._idempotent[key]
            if params != request.params:
                message = (
                    "Keys for idempotent requests can only be used with the same parameters they were first used with."
                )
                return 400, _error("idempotency_error", message), False
            return status, body, True
        status, body = self._route(request)
        if key and status < 500:
            self._idempotent[key] = (request.params, status, body)
        return status, body, False

    def _route(self, request: RecordedRequest) -> tuple[int, dict[str, Any]]:
        p = request.params
        now = int(time.time())
        if request.method == "POST" and request.path == "/v1/customers":
            customer = _customer(p, now)
            self.customers[customer["id"]] = customer
            return 200, customer
        if request.method == "POST" and request.path == "/v1/checkout/sessions":
            if p.get("customer") not in self.customers:
                return 400, _error("invalid_request_error", f"No such customer: '{p.get('customer')}'", "customer")
            session = _checkout_session(p, now)
            self.checkout_sessions[session["id"]] = session
            return 200, session
        if request.method == "POST" and request.path == "/v1/billing_portal/sessions":
            if p.get("customer") not in self.customers:
                return 400, _error("invalid_request_error", f"No such customer: '{p.get('customer')}'", "customer")
            return 200, _portal_session(p, now)
        if request.method == "GET" and request.path.startswith("/v1/subscriptions/"):
            subscription_id = request.path.rsplit("/", 1)[1]
            if subscription_id not in self.subscriptions:
                return 404, _error("invalid_request_error", f"No such subscription: '{subscription_id}'", "id")
            return 200, self.subscriptions[subscription_id]
        return 404, _error("invalid_request_error", f"Unrecognized request URL ({request.method}: {request.path}).")


def _error(error_type: str, message: str, param: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"type": error_type, "message": message}
    if error_type == "invalid_request_error" and "No such" in message:
        error["code"] = "resource_missing"
    if param:
        error["param"] = param
    return {"error": error}


def _metadata(params: dict[str, str], prefix: str = "metadata") -> dict[str, str]:
    start = f"{prefix}["
    return {
        k[len(start) : -1]: v
        for k, v in params.items()
        if k.startswith(start) and k.count("[") == prefix.count("[") + 1
    }


def _customer(p: dict[str, str], now: int) -> dict[str, Any]:
    return {
        "id": _stripe_id("cus"),
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": now,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": None,
        "email": p.get("email"),
        "invoice_prefix": secrets.token_hex(4).upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": _metadata(p),
        "name": p.get("name"),
        "phone": None,
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


def _checkout_session(p: dict[str, str], now: int) -> dict[str, Any]:
    session_id = f"cs_test_{secrets.token_hex(24)}"
    return {
        "id": session_id,
        "object": "checkout.session",
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": 2900,
        "amount_total": 2900,
        "billing_address_collection": None,
        "cancel_url": p.get("cancel_url"),
        "client_reference_id": p.get("client_reference_id"),
        "created": now,
        "currency": "usd",
        "customer": p.get("customer"),
        "customer_email": None,
        "expires_at": now + 24 * 3600,
        "invoice": None,
        "livemode": False,
        "locale": None,
        "metadata": _metadata(p),
        "mode": p.get("mode"),
        "payment_intent": None,
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "status": "open",
        "subscription": None,
        "success_url": p.get("success_url"),
        "ui_mode": "hosted",
        "url": f"https://checkout.stripe.com/c/pay/{session_id}",
    }


def _portal_session(p: dict[str, str], now: int) -> dict[str, Any]:
    return {
        "id": _stripe_id("bps"),
        "object": "billing_portal.session",
        "configuration": _stripe_id("bpc"),
        "created": now,
        "customer": p.get("customer"),
        "flow": None,
        "livemode": False,
        "locale": None,
        "on_behalf_of": None,
        "return_url": p.get("return_url"),
        "url": f"https://billing.stripe.com/p/session/test_{secrets.token_hex(16)}",
    }


# ---------------------------------------------------------------- webhooks


def event(event_type: str, obj: dict[str, Any], *, created: int | None = None) -> dict[str, Any]:
    """A Stripe event envelope around an object snapshot."""
    return {
        "id": _stripe_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": created or int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def invoice(subscription: dict[str, Any], *, paid: bool) -> dict[str, Any]:
    invoice_id = _stripe_id("in")
    return {
        "id": invoice_id,
        "object": "invoice",
        "amount_due": 2900,
        "amount_paid": 2900 if paid else 0,
        "attempt_count": 1,
        "billing_reason": "subscription_cycle",
        "currency": "usd",
        "customer": subscription["customer"],
        "hosted_invoice_url": f"https://invoice.stripe.com/i/acct_test/test_{invoice_id}",
        "livemode": False,
        "parent": {
            "quote_details": None,
            "subscription_details": {"metadata": subscription["metadata"], "subscription": subscription["id"]},
            "type": "subscription_details",
        },
        "status": "paid" if paid else "open",
    }


def completed_checkout(customer_id: str, subscription_id: str, user_id: str) -> dict[str, Any]:
    session = _checkout_session(
        {"customer": customer_id, "client_reference_id": user_id, "mode": "subscription"}, int(time.time())
    )
    session.update(status="complete", payment_status="paid", subscription=subscription_id, url=None)
    session["metadata"] = {"user_id": user_id, "plan": "pro"}
    return session


def sign(payload: str, secret: str = WEBHOOK_SECRET, *, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe would send: t=<ts>,v1=<HMAC-SHA256 of "<ts>.<payload>">."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@contextmanager
def running_fake() -> Iterator[StripeFake]:
    """A started fake with the billing adapter's SDK client pointed at it."""
    from realty.adapters import stripe as adapter

    fake = StripeFake().start()
    adapter.set_client_factory(fake.client)
    try:
        yield fake
    finally:
        adapter.set_client_factory(None)
        fake.stop()


def configure_secret(secret_arn: str, values: dict[str, str] | None = None) -> None:
    """Replace the StripeSecret's placeholder with a working test configuration (as an operator would)."""
    from realty.core.aws import client

    client("secretsmanager").put_secret_value(SecretId=secret_arn, SecretString=json.dumps(values or CONFIG))
