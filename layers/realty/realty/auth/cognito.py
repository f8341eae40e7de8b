"""Every Cognito call, and the one mapping from Cognito's errors to ours."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.errors import (
    AppError,
    Conflict,
    Forbidden,
    RateLimited,
    Unauthorized,
    UpstreamError,
    ValidationFailed,
)

_THROTTLED = {"TooManyRequestsException", "LimitExceededException", "TooManyFailedAttemptsException"}


@contextmanager
def cognito_errors(
    *, not_authorized: str = "email or password is wrong", invalid_parameter_field: str | None = None
) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        raise _map_error(error, not_authorized, invalid_parameter_field) from error


def _map_error(error: ClientError, not_authorized: str, invalid_parameter_field: str | None = None) -> AppError:
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", "")
    if code == "UsernameExistsException":
        return Conflict("an account with this email already exists", field="email")
    if code in {"NotAuthorizedException", "UserNotFoundException"}:
        # Same answer whether the email exists or not: login never reveals which accounts exist.
        return Unauthorized(not_authorized)
    if code == "InvalidPasswordException":
        return ValidationFailed(_password_message(message), field="password")
    if code in {"CodeMismatchException", "ExpiredCodeException"}:
        return ValidationFailed("the code is wrong or has expired", field="code")
    if code == "UserNotConfirmedException":
        return Forbidden("confirm your email address first", code="USER_NOT_CONFIRMED")
    if code == "PasswordResetRequiredException":
        return Forbidden("reset your password first", code="PASSWORD_RESET_REQUIRED")
    if code in _THROTTLED:
        return RateLimited("too many attempts, wait a moment and retry")
    if code == "InvalidParameterException":
        if invalid_parameter_field:
            return ValidationFailed(f"{invalid_parameter_field} is not accepted", field=invalid_parameter_field)
        return ValidationFailed("a field is invalid")
    return UpstreamError("the sign-in service failed, retry later")


def _password_message(cognito_message: str) -> str:
    # Cognito says e.g. "Password did not conform with policy: Password must have symbol characters".
    detail = cognito_message.split(":", 1)[-1].strip() if ":" in cognito_message else ""
    base = "password is too weak: at least 12 characters with upper and lower case letters, a number and a symbol"
    return f"{base} ({detail})" if detail else base


def _client_id() -> str:
    return get_settings().user_pool_client_id


def sign_up(*, email: str, password: str, full_name: str, role: str) -> dict[str, Any]:
    # A password Cognito refuses has its own error; a parameter it refuses at sign-up is the email
    # (the username), which Cognito checks more strictly than `format: email`: the 422 names it.
    with cognito_errors(invalid_parameter_field="email"):
        return dict(
            client("cognito-idp").sign_up(
                ClientId=_client_id(),
                Username=email,
                Password=password,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "name", "Value": full_name},
                    {"Name": "custom:role", "Value": role},
                ],
            )
        )


def confirm_sign_up(*, email: str, code: str) -> None:
    # An unknown email and a wrong code look the same to the caller.
    with cognito_errors(not_authorized="the code is wrong or has expired"):
        try:
            client("cognito-idp").confirm_sign_up(ClientId=_client_id(), Username=email, ConfirmationCode=code)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "UserNotFoundException":
                raise ValidationFailed("the code is wrong or has expired", field="code") from error
            raise


def password_login(*, email: str, password: str) -> dict[str, Any]:
    with cognito_errors():
        response = client("cognito-idp").initiate_auth(
            ClientId=_client_id(),
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    return _tokens(response)


def refresh(*, refresh_token: str) -> dict[str, Any]:
    with cognito_errors(not_authorized="the refresh token is invalid, expired or revoked"):
        response = client("cognito-idp").initiate_auth(
            ClientId=_client_id(),
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    return _tokens(response)


def _tokens(response: dict[str, Any]) -> dict[str, Any]:
    result = response.get("AuthenticationResult")
    if not result:
        # A challenge (new password, MFA) this API does not offer.
        raise Forbidden("this account needs an action this app does not support; contact support")
    return dict(result)


def global_sign_out(*, access_token: str) -> None:
    try:
        client("cognito-idp").global_sign_out(AccessToken=access_token)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NotAuthorizedException":
            return  # already revoked (a retried logout): the goal is reached
        raise _map_error(error, "") from error


def forgot_password(*, email: str) -> None:
    try:
        client("cognito-idp").forgot_password(ClientId=_client_id(), Username=email)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in {"UserNotFoundException", "NotAuthorizedException", "InvalidParameterException"}:
            return  # never reveal whether the account exists
        raise _map_error(error, "") from error


def confirm_forgot_password(*, email: str, code: str, new_password: str) -> None:
    with cognito_errors(not_authorized="the code is wrong or has expired"):
        try:
            client("cognito-idp").confirm_forgot_password(
                ClientId=_client_id(), Username=email, ConfirmationCode=code, Password=new_password
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "UserNotFoundException":
                raise ValidationFailed("the code is wrong or has expired", field="code") from error
            raise


def access_token_is_live(*, access_token: str) -> bool:
    """False when Cognito no longer honours the token (signed out everywhere, or the user is gone)."""
    try:
        client("cognito-idp").get_user(AccessToken=access_token)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"NotAuthorizedException", "UserNotFoundException"}:
            return False
        raise _map_error(error, "") from error
    return True


def get_user_attributes(*, access_token: str) -> dict[str, str]:
    """The token owner's attributes (used once per user, on first sight)."""
    with cognito_errors(not_authorized="a valid access token is required"):
        response = client("cognito-idp").get_user(AccessToken=access_token)
    return {a["Name"]: a["Value"] for a in response.get("UserAttributes", [])}


def verify_email(*, access_token: str, code: str) -> None:
    """Confirm the token owner's new email with the code Cognito sent to it: with
    `AttributesRequireVerificationBeforeUpdate`, the pending address becomes the account's email."""
    with cognito_errors(not_authorized="a valid access token is required"):
        client("cognito-idp").verify_user_attribute(AccessToken=access_token, AttributeName="email", Code=code)
