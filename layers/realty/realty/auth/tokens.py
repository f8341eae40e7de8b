"""Cognito access-token verification (signature, kid, exp, iss, token_use, client_id)."""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import jwt
from jwt import PyJWKClient

from realty.core import snapstart
from realty.core.config import get_settings
from realty.core.errors import Unauthorized

_ALGORITHMS = ["RS256"]


class JwksUnavailable(RuntimeError):
    """The key set could not be fetched: our fault, not the caller's, so not a 401."""


@cache
def jwks_client() -> PyJWKClient:
    """One JWKS client per container: keys are fetched once and reused across invocations."""
    settings = get_settings()
    return PyJWKClient(
        settings.jwks_url, cache_keys=True, lifespan=3600, timeout=int(max(1, settings.jwks_timeout_seconds))
    )


@snapstart.after_restore
def _renew_jwks_client() -> None:
    """Each restored copy fetches and times its own key set (the cached keys' age was read from the
    snapshot's clock) over its own connection."""
    jwks_client.cache_clear()


# RFC 7519 NumericDate claims. PyJWT reads them with int(), so "9999999999" would pass as a date
# and Infinity would crash; a signed token is no excuse for a claim of the wrong type.
NUMERIC_DATE_CLAIMS = ("exp", "iat", "nbf", "auth_time")


def verify_access_token(token: str) -> dict[str, Any]:
    settings = get_settings()
    try:
        header = jwt.get_unverified_header(token)
        _require_numeric_dates(jwt.decode(token, options={"verify_signature": False}))
    except jwt.InvalidTokenError as error:
        raise Unauthorized("the access token is malformed") from error
    # Pin the algorithm before looking at keys: refuses `alg: none` and HS256-with-the-public-key.
    if header.get("alg") not in _ALGORITHMS or not isinstance(header.get("kid"), str):
        raise Unauthorized("the access token is not signed the way Cognito signs")
    try:
        signing_key = jwks_client().get_signing_key(header["kid"])
    except jwt.PyJWKClientConnectionError as error:
        raise JwksUnavailable("could not fetch the user pool's signing keys") from error
    except jwt.PyJWKClientError as error:
        raise Unauthorized("the access token was not signed by this user pool") from error
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            signing_key.key,
            algorithms=_ALGORITHMS,
            issuer=settings.issuer,
            options={"require": ["exp", "iat", "iss", "sub", "token_use", "client_id"], "verify_aud": False},
            leeway=5,
        )
    except jwt.ExpiredSignatureError as error:
        raise Unauthorized("the access token has expired") from error
    except jwt.InvalidTokenError as error:
        raise Unauthorized("the access token is invalid") from error
    if claims.get("token_use") != "access":
        raise Unauthorized("an access token is required, not an ID token")
    if claims.get("client_id") != settings.user_pool_client_id:
        raise Unauthorized("the access token was issued to another app")
    return claims


def _require_numeric_dates(claims: dict[str, Any]) -> None:
    """Each NumericDate claim present is a finite JSON number (not a string, a boolean or Infinity).

    Checked on the unverified claims, before the signature: refusing never grants anything, and
    PyJWT's own checks would otherwise read a numeric string as a date.
    """
    for name in NUMERIC_DATE_CLAIMS:
        if name not in claims:
            continue
        value = claims[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise Unauthorized(f"the access token's {name} is not a NumericDate")
