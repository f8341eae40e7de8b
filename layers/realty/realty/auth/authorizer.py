"""The API's TOKEN authorizer: who is calling, with which role, for the whole API.

Its warm path (verify the token, one GetItem of the identity) imports no pydantic and no resolver;
what only a user's very first request needs (Cognito, user provisioning) is imported on that path.
"""

from __future__ import annotations

from typing import Any

from realty.auth.tokens import verify_access_token
from realty.core.actor import issued_before
from realty.core.auth import Role, bearer_token
from realty.core.errors import Unauthorized
from realty.users.identity import Identity, UserStatus, get_identity


def authorize(authorization_header: str | None, method_arn: str) -> dict[str, Any]:
    token = bearer_token(authorization_header)
    claims = verify_access_token(token)
    identity = get_identity(str(claims["sub"])) or _first_sight(str(claims["sub"]), token)
    if identity.status is not UserStatus.ACTIVE:
        raise Unauthorized("this account is disabled")
    if identity.signed_out_at is not None and _issued_by_sign_out(claims["iat"], identity.signed_out_at, token):
        raise Unauthorized("this session was signed out")
    return _allow(identity, method_arn, cognito_sub=str(claims["sub"]), issued_at=int(claims["iat"]))


def _issued_by_sign_out(iat: float, signed_out_ms: int, token: str) -> bool:
    """The rule of docs/decisions.md ("Logout really logs out"): a token issued up to the sign-out is
    refused, one issued after it is not. In the sign-out's own second, the tie is broken by Cognito,
    which revoked at sign-out every token it had issued until then (one GetUser, for tokens of that
    second only; the decision is then cached with the token)."""
    before = issued_before(iat, signed_out_ms)
    if before is not None:
        return before
    from realty.auth import cognito

    return not cognito.access_token_is_live(access_token=token)


def _first_sight(cognito_sub: str, token: str) -> Identity:
    from realty.auth import cognito
    from realty.users import service as users

    attributes = cognito.get_user_attributes(access_token=token)
    if attributes.get("email_verified") == "false" or not attributes.get("email"):
        raise Unauthorized("confirm your email address first")
    user = users.provision_user(
        cognito_sub=cognito_sub,
        email=attributes.get("email", ""),
        full_name=attributes.get("name", ""),
        role=users.self_service_role(attributes.get("custom:role")),
    )
    return Identity(user_id=user.id, role=user.role, email=user.email, status=user.status)


# The roles each family of routes serves. API Gateway refuses every other role (403 ACCESS_DENIED, the
# error envelope of the Gateway Responses) before any function runs, so a buyer's incomplete body on a
# realtor route is refused, not validated. The handlers keep their own `require_role` checks.
ROUTE_ROLES: dict[str, frozenset[Role]] = {
    "/api/v1/buyers/": frozenset({Role.BUYER, Role.ADMIN}),
    "/api/v1/realtors/": frozenset({Role.REALTOR, Role.ADMIN}),
    "/api/v1/admin/": frozenset({Role.ADMIN}),
}


def _allow(identity: Identity, method_arn: str, *, cognito_sub: str, issued_at: int) -> dict[str, Any]:
    # The result is cached per token for every route, so the policy covers the whole API stage: everything
    # allowed, then an explicit Deny (which wins over the Allow) on each family of routes not for this role.
    arn_prefix, _, api_path = method_arn.partition("/")
    stage = api_path.split("/", 1)[0]
    statements: list[dict[str, Any]] = [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": f"{arn_prefix}/{stage}/*/*"}
    ]
    denied = [f"{arn_prefix}/{stage}/*{prefix}*" for prefix, roles in ROUTE_ROLES.items() if identity.role not in roles]
    if denied:
        statements.append({"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": denied})
    return {
        "principalId": identity.user_id,
        "policyDocument": {"Version": "2012-10-17", "Statement": statements},
        # `sub` and `iat` let every change check, inside its own transaction, that the account is
        # still active and the session not signed out since: this answer is cached (realty.core.actor).
        "context": {
            "user_id": identity.user_id,
            "role": identity.role.value,
            "email": identity.email,
            "sub": cognito_sub,
            "iat": issued_at,
        },
    }
