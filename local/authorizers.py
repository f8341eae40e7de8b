"""API Gateway's side of a Lambda TOKEN authorizer: identity check, invocation, cache, policy.

What it emulates, as API Gateway (REST) does it:
- a missing or empty identity header (or one that fails `ValidationExpression`) answers 401
  `UNAUTHORIZED` without invoking the authorizer;
- the authorizer gets `{"type": "TOKEN", "authorizationToken": ..., "methodArn": ...}`;
- raising an exception whose message is exactly `Unauthorized` answers 401; any other failure
  answers 500 (`AUTHORIZER_FAILURE`), and a malformed result (no `principalId`, no policy, a
  `context` value that is not a string, number or boolean) 500 (`AUTHORIZER_CONFIGURATION_ERROR`);
- the returned policy is evaluated against the method ARN: an explicit Deny or no matching Allow
  answers 403 `ACCESS_DENIED`;
- results (policy and context) are cached per token for `ReauthorizeEvery` seconds and the
  cached policy is evaluated again for each new method ARN (the classic pitfall: a policy
  scoped to one method, cached, then denies the next route). A 401 outcome is not cached;
- context values reach the integration as strings, as REST APIs pass them.

Not emulated: REQUEST authorizers, Cognito user pool authorizers, IAM authorization, usage plans
(`usageIdentifierKey`), and the cache size limit.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

UNAUTHORIZED_MESSAGE = "Unauthorized"
EXPLICIT_DENY_MESSAGE = "User is not authorized to access this resource with an explicit deny"
NO_ALLOW_MESSAGE = "User is not authorized to access this resource"

_ALLOWED_ACTIONS = ("execute-api:invoke", "execute-api:*", "*")


# ---------------------------------------------------------------- policies


def _wildcard_regex(pattern: str) -> re.Pattern[str]:
    parts = (".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile("^" + "".join(parts) + "$", re.DOTALL)


def arn_matches(pattern: str, arn: str) -> bool:
    """IAM resource matching: `*` any run of characters (slashes included), `?` one character."""
    return bool(_wildcard_regex(pattern).match(arn))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class MalformedPolicy(ValueError):
    pass


def evaluate_policy(document: Any, method_arn: str) -> bool | None:
    """True if the policy allows invoking `method_arn`, False on explicit Deny, None if nothing allows."""
    if not isinstance(document, Mapping):
        raise MalformedPolicy("policyDocument must be an object")
    statements = _as_list(document.get("Statement"))
    if not statements:
        raise MalformedPolicy("policyDocument has no Statement")
    allowed = False
    for statement in statements:
        if not isinstance(statement, Mapping) or statement.get("Effect") not in ("Allow", "Deny"):
            raise MalformedPolicy("every statement needs Effect Allow or Deny")
        actions = [str(action).lower() for action in _as_list(statement.get("Action"))]
        if not any(action in _ALLOWED_ACTIONS for action in actions):
            continue
        if not any(arn_matches(str(resource), method_arn) for resource in _as_list(statement.get("Resource"))):
            continue
        if statement["Effect"] == "Deny":
            return False
        allowed = True
    return True if allowed else None


def method_arn(*, region: str, account_id: str, api_id: str, stage: str, method: str, path: str) -> str:
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{method}/{path.lstrip('/')}"


# ---------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Allowed:
    principal_id: str
    context: Mapping[str, str]


@dataclass(frozen=True)
class Rejected:
    """Which Gateway Response answers, and the `$context.error.message` it carries."""

    response_type: str
    message: str


Decision = Allowed | Rejected


@dataclass(frozen=True)
class _AuthorizerResult:
    principal_id: str
    policy: Mapping[str, Any]
    context: Mapping[str, str]


class _ConfigurationError(Exception):
    pass


def _parse_result(result: Any) -> _AuthorizerResult:
    if not isinstance(result, Mapping):
        raise _ConfigurationError("the authorizer returned something other than an object")
    principal_id = result.get("principalId")
    if not isinstance(principal_id, str | int) or principal_id == "":
        raise _ConfigurationError("the authorizer result has no principalId")
    policy = result.get("policyDocument")
    if not isinstance(policy, Mapping):
        raise _ConfigurationError("the authorizer result has no policyDocument")
    context = result.get("context") or {}
    if not isinstance(context, Mapping):
        raise _ConfigurationError("the authorizer context must be an object")
    return _AuthorizerResult(str(principal_id), policy, _stringify_context(context))


def _stringify_context(context: Mapping[str, Any]) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in context.items():
        if isinstance(value, bool):
            flat[key] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            flat[key] = str(value)
        elif value is None:
            continue
        else:
            raise _ConfigurationError(f"context value {key!r} must be a string, number or boolean")
    return flat


# ---------------------------------------------------------------- the authorizer


@dataclass
class TokenAuthorizer:
    """One `Type: TOKEN` Lambda authorizer of the API, with its result cache."""

    name: str
    invoke: Callable[[dict[str, Any]], Any]
    identity_header: str = "Authorization"
    ttl_seconds: int = 300
    validation_expression: str | None = None
    clock: Callable[[], float] = time.monotonic
    _cache: dict[str, tuple[float, _AuthorizerResult]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def authorize(self, token: str | None, arn: str) -> Decision:
        if not token or (self.validation_expression and not re.fullmatch(self.validation_expression, token)):
            return Rejected("UNAUTHORIZED", UNAUTHORIZED_MESSAGE)
        cached = self._cached(token)
        if cached is None:
            outcome = self._call(token, arn)
            if isinstance(outcome, Rejected):
                return outcome
            cached = outcome
            self._remember(token, cached)
        return self._decide(cached, arn)

    def _call(self, token: str, arn: str) -> _AuthorizerResult | Rejected:
        event = {"type": "TOKEN", "authorizationToken": token, "methodArn": arn}
        try:
            result = self.invoke(event)
        except Exception as error:
            # API Gateway turns any authorizer failure into a Gateway Response, never a crash.
            if str(error) == UNAUTHORIZED_MESSAGE:
                return Rejected("UNAUTHORIZED", UNAUTHORIZED_MESSAGE)
            return Rejected("AUTHORIZER_FAILURE", "Internal server error")
        try:
            return _parse_result(result)
        except _ConfigurationError:
            return Rejected("AUTHORIZER_CONFIGURATION_ERROR", "Internal server error")

    def _decide(self, result: _AuthorizerResult, arn: str) -> Decision:
        try:
            verdict = evaluate_policy(result.policy, arn)
        except MalformedPolicy:
            return Rejected("AUTHORIZER_CONFIGURATION_ERROR", "Internal server error")
        if verdict is True:
            return Allowed(result.principal_id, result.context)
        return Rejected("ACCESS_DENIED", EXPLICIT_DENY_MESSAGE if verdict is False else NO_ALLOW_MESSAGE)

    def _cached(self, token: str) -> _AuthorizerResult | None:
        with self._lock:
            entry = self._cache.get(token)
            if entry is None:
                return None
            expires_at, result = entry
            if self.clock() >= expires_at:
                del self._cache[token]
                return None
            return result

    def _remember(self, token: str, result: _AuthorizerResult) -> None:
        if self.ttl_seconds <= 0:
            return
        with self._lock:
            self._cache[token] = (self.clock() + self.ttl_seconds, result)

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()
