from __future__ import annotations

import re
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from realty.core.auth import Role
from realty.core.models import Model
from realty.core.types import SINGLE_LINE, Email, Omittable

# Defined beside the identity item, free of pydantic (the authorizer imports only that module).
from realty.users.identity import Identity as Identity
from realty.users.identity import UserStatus as UserStatus

E164_PATTERN = re.compile(r"^\+[1-9]\d{6,14}$")

FullName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=SINGLE_LINE)]


class User(Model):
    """A user as stored; never returned as-is (see `UserAttributes`)."""

    id: str
    email: str
    full_name: str
    role: Role
    cognito_sub: str
    status: UserStatus = UserStatus.ACTIVE
    phone_ciphertext: str | None = None
    pending_email: str | None = Field(
        default=None, description="an address an admin set that the user has not verified yet; `email` stays until then"
    )
    avatar_url: str | None = None
    avatar_key: str | None = Field(default=None, description="media bucket key of the avatar; URLs are made on read")
    signed_out_at: int | None = Field(default=None, description="epoch milliseconds of the last sign-out")
    created_at: str
    updated_at: str
    version: int = Field(default=0, description="optimistic-locking counter, raised by every save")


class UserAttributes(Model):
    email: str
    full_name: str
    role: Role
    phone: str | None = None
    avatar_url: str | None = None
    pending_email: str | None = Field(
        default=None,
        description="a new address waiting to be verified with the code emailed to it "
        "(`POST /auth/me/email/verify`); `email` is used until then",
    )
    created_at: str
    updated_at: str


class UpdateProfileRequest(Model):
    model_config = ConfigDict(extra="forbid")

    full_name: FullName | None = None
    phone: str | None = Field(default=None, description="E.164, e.g. +14155550123; empty string removes it")

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return e164_phone(value)


def e164_phone(value: str | None) -> str | None:
    """A phone number in E.164 with its separators removed; "" (remove the number) and None pass."""
    if value is None or value == "":
        return value
    compact = re.sub(r"[\s\-().]", "", value)
    if not E164_PATTERN.match(compact):
        raise ValueError("phone must be in E.164 format, e.g. +14155550123")
    return compact


class AdminUserAttributes(UserAttributes):
    """What an admin sees of a user: the profile plus whether the account is still active."""

    status: UserStatus


class AdminUpdateUserRequest(Model):
    model_config = ConfigDict(extra="forbid")

    full_name: Omittable[FullName] = None
    email: Omittable[Email] = Field(
        default=None,
        description="a new address, verified as the user's own change is: Cognito emails it a code, the user "
        "confirms it with `POST /auth/me/email/verify`, and only then is it their email (`pending_email` until "
        "then); 409 when another account uses it",
    )
    role: Omittable[Role] = None
    phone: Omittable[str] = Field(default=None, description="E.164, e.g. +14155550123; empty string removes it")
    active: Omittable[bool] = Field(
        default=None,
        description="false deactivates the account (status `deactivated`: signed out, sign-in refused, "
        "everything kept); true reactivates it. Deleting is `DELETE /admin/users/{id}`.",
    )

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return e164_phone(value)
