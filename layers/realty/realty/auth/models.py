from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from realty.core.models import Model
from realty.core.types import Email
from realty.users.models import FullName

Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]


class _Request(Model):
    model_config = ConfigDict(extra="forbid")


class RegisterRequest(_Request):
    email: Email
    password: Password
    full_name: FullName
    role: Literal["buyer", "realtor"] = Field(description="admin accounts are never self-registered")


class ConfirmRequest(_Request):
    email: Email
    code: Code


class VerifyEmailRequest(_Request):
    code: Code = Field(description="the code Cognito emailed to the new address")


class LoginRequest(_Request):
    email: Email
    password: Password


class RefreshRequest(_Request):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=8192)]


class PasswordResetRequest(_Request):
    email: Email


class PasswordResetConfirmRequest(_Request):
    email: Email
    code: Code
    new_password: Password


class RegistrationAttributes(Model):
    email: str
    role: str
    confirmed: bool
    code_delivery_medium: str | None = None
    code_delivery_destination: str | None = None


class TokenAttributes(Model):
    access_token: str
    id_token: str
    refresh_token: str | None = Field(default=None, description="absent on refresh: keep the one you have")
    expires_in: int
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name, not a secret


class MessageAttributes(Model):
    message: str
