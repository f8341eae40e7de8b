"""Opaque, tamper-proof list cursors.

A cursor carries DynamoDB's LastEvaluatedKey plus a fingerprint of the query it came from, signed
with an HMAC key kept in Secrets Manager. A cursor edited by hand, or replayed against another
query (another filter, another owner), is a 400.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from functools import cache
from typing import Any

from realty.core.config import get_settings
from realty.core.errors import BadRequest, NotConfigured

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

_key_provider: Callable[[], bytes] | None = None


def set_signing_key_provider(provider: Callable[[], bytes] | None) -> None:
    global _key_provider
    _key_provider = provider


def _signing_key() -> bytes:
    if _key_provider is not None:
        return _key_provider()
    arn = get_settings().cursor_secret_arn
    if not arn:
        raise NotConfigured("pagination is not configured (CURSOR_SECRET_ARN)")
    from realty.core.aws import client

    # Cached for an hour per container: one Secrets Manager call, not one per list request.
    secret = _secrets_provider(client("secretsmanager")).get(arn, max_age=3600)
    return str(secret).encode()


@cache
def _secrets_provider(secrets_client: Any) -> Any:
    """One caching provider per client (`get_secret(boto3_client=...)` would pass the client to the API call)."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=secrets_client)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _fingerprint(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:16]


def encode_cursor(last_evaluated_key: dict[str, Any] | None, scope: str) -> str | None:
    if not last_evaluated_key:
        return None
    payload = json.dumps({"s": _fingerprint(scope), "k": last_evaluated_key}, separators=(",", ":")).encode()
    signature = hmac.new(_signing_key(), payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(signature)}"


def decode_cursor(cursor: str | None, scope: str) -> dict[str, Any] | None:
    """The ExclusiveStartKey for a cursor issued for `scope`; None for no cursor."""
    if not cursor:
        return None
    invalid = BadRequest("cursor is invalid or belongs to another query", field="cursor")
    try:
        payload_text, signature_text = cursor.split(".", 1)
        payload, signature = _unb64(payload_text), _unb64(signature_text)
    except ValueError as error:
        raise invalid from error
    expected = hmac.new(_signing_key(), payload, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(signature, expected):
        raise invalid
    try:
        data = json.loads(payload)
    except ValueError as error:
        raise invalid from error
    if not isinstance(data, dict) or data.get("s") != _fingerprint(scope) or not isinstance(data.get("k"), dict):
        raise invalid
    return data["k"]
