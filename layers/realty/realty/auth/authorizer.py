"""The API's TOKEN authorizer: who is calling, with which role, for the whole API.

Its warm path (verify the token, one GetItem of the identity) imports no pydantic and no resolver;
what only a user's very first request needs (Cognito, user provisioning) is imported on that path.
"""

from __future__ import annotations

from typing import Any

from realty.auth.tokens import verify_access_token
from realty.core.actor import signed_out
from realty.core.auth import bearer_token
from realty.core.errors import Unauthorized
from realty.users.identity import Identity, UserStatus, get_identity


def authorize(authorization_header: str | None, method_arn: str) -> dict[str, Any]:
    token = bearer_token(authorization_header)
    claims = verify_access_token(token)
    identity = get_identity(str(claims["sub"])) or _first_sight(str(claims["sub"]), token)
    if identity.status is not UserStatus.ACTIVE:
        raise Unauthorized("this account is disabled")
    if signed_out(int(claims["iat"]), identity.signed_out_at):
        raise Unauthorized("this session was signed out")
    return _allow(identity, method_arn, cognito_sub=str(claims["sub"]), issued_at=int(claims["iat"]))


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


def _allow(identity: Identity, method_arn: str, *, cognito_sub: str, issued_at: int) -> dict[str, Any]:
    # The result is cached per token for every route, so the policy covers the whole API stage.
    arn_prefix, _, api_path = method_arn.partition("/")
    stage = api_path.split("/", 1)[0]
    return {
        "principalId": identity.user_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": f"{arn_prefix}/{stage}/*/*"}],
        },
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
