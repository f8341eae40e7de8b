"""The actor guard: a state-changing request commits only while its caller may still write.

API Gateway caches the authorizer's answer for 300 s per token, so a deleted or signed-out user's
token keeps reaching the functions that long. Reads may ride that cache (documented); changes may
not. The handler wrapper (`realty.core.api.make_handler`) sets an `ActorGuard` for every POST, PUT,
PATCH and DELETE of an authorized route, from what the authorizer put in its context: the token's
Cognito `sub` (the identity item's key) and its `iat`. Then:

- every transaction of the request (`realty.core.dynamo`) carries a condition on the identity
  item: a ConditionCheck, or the condition folded into the transaction's own action on that item
  (editing or signing out one's own account), so the check costs no extra round trip;
- a change outside DynamoDB made before the request's first guarded write (Chime, Cognito, Stripe)
  first confirms the actor with one GetItem (`confirm`); `realty.core.aws` does it for every AWS
  client, the Stripe adapter for Stripe.

A failed check is a 401 (`Unauthorized`), never a 409, and the transaction writes nothing. The
rule is the authorizer's (`refusal`), so a cached answer and a fresh one agree. See
docs/architecture.md#request-path and docs/decisions.md ("A write checks its actor").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from realty.core.errors import Unauthorized

# The identity item's status of an account that may sign in (users.identity.UserStatus.ACTIVE;
# core cannot import users, and the value is stored, so it never changes).
ACTIVE = "active"

NO_LONGER_ACTIVE = "this account is no longer active"
SIGNED_OUT = "this session was signed out"


def identity_key(cognito_sub: str) -> dict[str, Any]:
    """The identity item's key (typed): `IDENTITY#<cognito sub>` / `IDENTITY`."""
    return {"PK": {"S": f"IDENTITY#{cognito_sub}"}, "SK": {"S": "IDENTITY"}}


def issued_before(iat: float, signed_out_ms: int) -> bool | None:
    """Whether a token issued at `iat` (a NumericDate) came at or before the sign-out instant (epoch ms).

    Cognito's `iat` is a whole second, so such a token was issued somewhere in [iat, iat + 1 s):
    True when all of that second is at or before the sign-out, False when all of it is after, and
    None when the sign-out fell inside that very second, where the token alone cannot tell (the
    authorizer then asks Cognito, which revoked at sign-out every token issued until then).
    A fractional `iat` is an exact instant and always decides.
    """
    first_ms = iat * 1000
    last_ms = first_ms + 999 if float(iat).is_integer() else first_ms
    if last_ms <= signed_out_ms:
        return True
    if first_ms > signed_out_ms:
        return False
    return None


def signed_out(issued_at: int, signed_out_at_ms: int | None) -> bool:
    """True when a token issued at `issued_at` (whole seconds) was certainly signed out: its whole
    second lies at or before the sign-out (`iat*1000 + 999 <= signed_out_at`). A token of the sign-out's
    own second passed the authorizer's Cognito check, so a change does not refuse it.
    """
    return signed_out_at_ms is not None and issued_before(issued_at, signed_out_at_ms) is True


@dataclass
class ActorGuard:
    """Who must still be allowed to write for this request's changes to commit."""

    cognito_sub: str
    # The token's `iat` (seconds); None for an authorizer context cached before it carried one:
    # then only the account's status can be checked.
    issued_at: int | None
    table: str
    # Set once a guarded write (or `confirm`) succeeded: later outside calls need no check of their own.
    confirmed: bool = field(default=False)

    @property
    def key(self) -> dict[str, Any]:
        return identity_key(self.cognito_sub)

    def condition(self) -> tuple[str, dict[str, str], dict[str, Any]]:
        """The guard as a DynamoDB condition on the identity item: expression, names, typed values."""
        expression = "attribute_exists(PK) AND (attribute_not_exists(#actor_status) OR #actor_status = :actor_active)"
        names = {"#actor_status": "status"}
        values: dict[str, Any] = {":actor_active": {"S": ACTIVE}}
        if self.issued_at is not None:
            # signed_out() in DynamoDB's terms: allowed while signed_out_at < iat*1000 + 999.
            expression += " AND (attribute_not_exists(#actor_signed_out) OR #actor_signed_out < :actor_issued_end)"
            names["#actor_signed_out"] = "signed_out_at"
            values[":actor_issued_end"] = {"N": str(self.issued_at * 1000 + 999)}
        return expression, names, values

    def condition_check(self) -> dict[str, Any]:
        """A TransactWriteItems ConditionCheck of the guard; a failure returns the item, to name the reason."""
        expression, names, values = self.condition()
        return {
            "ConditionCheck": {
                "TableName": self.table,
                "Key": self.key,
                "ConditionExpression": expression,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def refusal(self, item: Mapping[str, Any] | None) -> Unauthorized | None:
        """Why this identity item (typed, as DynamoDB returns it) may not write, or None if it may."""
        if not item:
            return Unauthorized(NO_LONGER_ACTIVE)
        status = (item.get("status") or {}).get("S", ACTIVE)
        if status != ACTIVE:
            return Unauthorized(NO_LONGER_ACTIVE)
        stamp = (item.get("signed_out_at") or {}).get("N")
        if self.issued_at is not None and stamp is not None and signed_out(self.issued_at, int(stamp)):
            return Unauthorized(SIGNED_OUT)
        return None


_current: ContextVar[ActorGuard | None] = ContextVar("realty_actor_guard", default=None)


def current() -> ActorGuard | None:
    """The guard of the request being handled, or None (reads, public routes, events, scripts)."""
    return _current.get()


@contextmanager
def guarding(guard: ActorGuard | None) -> Iterator[None]:
    """Run the block with this guard (None: none), restoring the previous one after it."""
    token = _current.set(guard)
    try:
        yield
    finally:
        _current.reset(token)


def confirm() -> None:
    """Before a change outside DynamoDB: check the actor now (one consistent GetItem), unless this
    request has no guard or a guarded write already passed. Raises `Unauthorized`."""
    guard = _current.get()
    if guard is None or guard.confirmed:
        return
    from realty.core.aws import client

    response = client("dynamodb").get_item(TableName=guard.table, Key=guard.key, ConsistentRead=True)
    refusal = guard.refusal(response.get("Item"))
    if refusal is not None:
        raise refusal
    guard.confirmed = True
