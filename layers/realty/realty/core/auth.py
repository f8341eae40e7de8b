"""The caller, as the authorizer described them in the request context, and role checks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from realty.core.errors import Forbidden, Unauthorized

if TYPE_CHECKING:  # the authorizer imports this module and has no resolver to pay for
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver


class Role(StrEnum):
    BUYER = "buyer"
    REALTOR = "realtor"
    ADMIN = "admin"


@dataclass(frozen=True)
class Caller:
    user_id: str
    role: Role
    email: str

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def current_caller(app: APIGatewayRestResolver) -> Caller:
    context = (app.current_event.raw_event.get("requestContext") or {}).get("authorizer") or {}
    user_id, role = context.get("user_id"), context.get("role")
    if not user_id or role not in Role.__members__.values():
        # Only reachable if a route is wired without the authorizer: fail closed.
        raise Unauthorized()
    return Caller(user_id=str(user_id), role=Role(str(role)), email=str(context.get("email") or ""))


def require_role(app: APIGatewayRestResolver, *roles: Role) -> Caller:
    caller = current_caller(app)
    if caller.role not in roles:
        raise Forbidden(f"this route is for {' or '.join(r.value for r in roles)} accounts")
    return caller


def bearer_token(header: str | None) -> str:
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <access token>'")
    return token.strip()
