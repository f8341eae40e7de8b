"""POST /api/v1/webhooks/stripe: Stripe's signed events (public route; the signature is the auth).

The signature covers the exact bytes Stripe sent, so the body is read raw (base64-decoded when
API Gateway passed it encoded) and never parsed or re-serialised before it is verified.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from realty.billing import webhooks
from realty.billing.models import WebhookReceiptAttributes
from realty.core.api import Response, create_app, make_handler, respond
from realty.core.envelope import Envelope, Resource
from realty.core.errors import BadRequest

app = create_app()


@app.post(
    "/api/v1/webhooks/stripe",
    summary="Stripe webhook events (verified by the Stripe-Signature header, no token)",
    tags=["webhooks"],
)
def receive_stripe_event() -> Response[Envelope[Resource[WebhookReceiptAttributes]]]:
    signature = app.current_event.headers.get("Stripe-Signature")
    return respond(app, webhooks.handle_event(_raw_body(), signature))


def _raw_body() -> bytes:
    event = app.current_event
    body = event.body or ""
    if not event.is_base64_encoded:
        return body.encode()
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error as error:
        raise BadRequest("the request body is not valid base64") from error


lambda_handler: Any = make_handler(app)
