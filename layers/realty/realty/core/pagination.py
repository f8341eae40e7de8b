"""Opaque, tamper-proof list cursors.

A cursor is DynamoDB's LastEvaluatedKey encrypted with a key derived from a secret kept in Secrets
Manager, with the query it came from as authenticated data. A cursor edited by hand, or replayed against another
query (another filter, another owner), is a 400.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
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
    from realty.core.secrets import get_secret

    # Cached for an hour per container: one Secrets Manager call, not one per list request.
    return str(get_secret(arn, max_age=3600)).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _cipher() -> Any:
    # Imported on first use: only list requests that page need it.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(hashlib.sha256(b"realty-cursor-v1:" + _signing_key()).digest())


def encode_cursor(last_evaluated_key: dict[str, Any] | None, scope: str) -> str | None:
    """Encrypted and authenticated (AES-GCM), bound to its query: opaque to clients, who must
    never build or read one, and useless against any other query (the scope is the associated data)."""
    if not last_evaluated_key:
        return None
    payload = json.dumps(last_evaluated_key, separators=(",", ":")).encode()
    nonce = secrets.token_bytes(12)
    return _b64(nonce + _cipher().encrypt(nonce, payload, scope.encode()))


def decode_cursor(cursor: str | None, scope: str) -> dict[str, Any] | None:
    """The ExclusiveStartKey for a cursor issued for `scope`; None for no cursor."""
    if not cursor:
        return None
    from cryptography.exceptions import InvalidTag

    invalid = BadRequest("cursor is invalid or belongs to another query", field="cursor")
    try:
        raw = _unb64(cursor)
        data = json.loads(_cipher().decrypt(raw[:12], raw[12:], scope.encode()))
    except (ValueError, InvalidTag) as error:
        raise invalid from error
    if not isinstance(data, dict):
        raise invalid
    return data
