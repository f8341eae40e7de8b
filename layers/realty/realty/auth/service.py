"""Account flows. Cognito holds credentials; the users table holds the canonical role."""

from __future__ import annotations

from realty.auth import cognito
from realty.auth.models import (
    ConfirmRequest,
    LoginRequest,
    MessageAttributes,
    PasswordResetConfirmRequest,
    PasswordResetRequest,
    RefreshRequest,
    RegisterRequest,
    RegistrationAttributes,
    TokenAttributes,
)
from realty.core import clock, ids
from realty.core.audit import record
from realty.core.auth import Caller
from realty.core.envelope import Resource
from realty.core.errors import AppError
from realty.users import service as users


def register(request: RegisterRequest) -> Resource[RegistrationAttributes]:
    email = request.email.lower()
    response = cognito.sign_up(email=email, password=request.password, full_name=request.full_name, role=request.role)
    delivery = response.get("CodeDeliveryDetails") or {}
    attributes = RegistrationAttributes(
        email=email,
        role=request.role,
        confirmed=bool(response.get("UserConfirmed")),
        code_delivery_medium=delivery.get("DeliveryMedium"),
        code_delivery_destination=delivery.get("Destination"),
    )
    # The user record is created on the first signed-in request (the authorizer), once confirmed.
    return Resource[RegistrationAttributes](id=ids.new_id(), type="registration", attributes=attributes)


def confirm(request: ConfirmRequest) -> Resource[MessageAttributes]:
    cognito.confirm_sign_up(email=request.email.lower(), code=request.code)
    return _message("email confirmed; you can sign in now")


# The actor of a failed sign-in: nobody was recognized.
ANONYMOUS_ACTOR = "anonymous"


def login(request: LoginRequest) -> Resource[TokenAttributes]:
    """Sign in, and leave both outcomes in the audit trail (the account's email, never a password or
    a token), so support and abuse reviews can see who signed in and where guessing happens."""
    email = request.email.lower()
    try:
        result = cognito.password_login(email=email, password=request.password)
    except AppError as error:
        if error.status < 500 and error.code != "RATE_LIMITED":  # refused: wrong password, unknown, unconfirmed
            _audit_sign_in(email, actor_id=ANONYMOUS_ACTOR, action="auth.sign_in_failed", reason=error.code)
        raise
    _audit_sign_in(email, actor_id=_user_of(result), action="auth.signed_in", reason=None)
    return _session(result)


def _user_of(result: dict[str, object]) -> str:
    """The signed-in user's id (its identity item, found by the new token's `sub`); a user signing
    in for the first time has no record until their first request, so their Cognito subject stands in."""
    import base64
    import json

    from realty.users import store as users_store

    try:
        payload = str(result["AccessToken"]).split(".")[1]
        sub = str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])
    except (IndexError, KeyError, ValueError):
        return ANONYMOUS_ACTOR
    identity = users_store.get_identity(sub)
    return identity.user_id if identity else f"cognito:{sub}"


def _audit_sign_in(email: str, *, actor_id: str, action: str, reason: str | None) -> None:
    details = {"reason": reason} if reason else {}
    record(actor_id=actor_id, action=action, resource_type="account", resource_id=email, details=details)


def refresh(request: RefreshRequest) -> Resource[TokenAttributes]:
    return _session(cognito.refresh(refresh_token=request.refresh_token))


def logout(caller: Caller, access_token: str) -> Resource[MessageAttributes]:
    # Our own record first: once it is written the authorizer refuses every token issued so far,
    # whatever happens at Cognito; a retry after a Cognito failure then finds it already revoked.
    # In milliseconds: a token issued in the same second, just after it, is not refused for its life.
    users.record_sign_out(caller.user_id, int(clock.now().timestamp() * 1000))
    cognito.global_sign_out(access_token=access_token)
    return _message("signed out on every device")


def request_password_reset(request: PasswordResetRequest) -> Resource[MessageAttributes]:
    cognito.forgot_password(email=request.email.lower())
    return _message("if an account exists for this email, a reset code is on its way")


def confirm_password_reset(request: PasswordResetConfirmRequest) -> Resource[MessageAttributes]:
    cognito.confirm_forgot_password(email=request.email.lower(), code=request.code, new_password=request.new_password)
    return _message("password changed; sign in with the new password")


def _session(result: dict[str, object]) -> Resource[TokenAttributes]:
    attributes = TokenAttributes(
        access_token=str(result["AccessToken"]),
        id_token=str(result["IdToken"]),
        refresh_token=str(result["RefreshToken"]) if result.get("RefreshToken") else None,
        expires_in=int(str(result.get("ExpiresIn", 3600))),
    )
    return Resource[TokenAttributes](id=ids.new_id(), type="session", attributes=attributes)


def _message(text: str) -> Resource[MessageAttributes]:
    return Resource[MessageAttributes](id=ids.new_id(), type="message", attributes=MessageAttributes(message=text))
