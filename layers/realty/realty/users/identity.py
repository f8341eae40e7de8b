"""The identity item (`IDENTITY#<cognito sub>`): what the authorizer needs about a caller, in one GetItem.

Kept apart from `models.py` and free of pydantic on purpose: the authorizer imports this module and
nothing else of the users capability on its warm path, and its cold start delays the first request
of every new token. Everything else about users (the profile, its writes) lives in `models.py` and
`store.py`, which re-exports `get_identity`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from realty.core.actor import identity_key as actor_identity_key
from realty.core.auth import Role
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import from_item


class UserStatus(StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"  # by an admin, reversibly: signed out, cannot sign in, data kept as is
    DELETED = "deleted"


@dataclass(frozen=True)
class Identity:
    """A Cognito subject's user id, role and status; written beside the user in every user transaction."""

    user_id: str
    role: Role
    email: str
    status: UserStatus = UserStatus.ACTIVE
    signed_out_at: int | None = None  # epoch milliseconds (realty.core.actor.signed_out)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Identity:
        """From a stored item's plain values; an unknown role or status is refused (ValueError)."""
        signed_out_at = values.get("signed_out_at")
        return cls(
            user_id=str(values["user_id"]),
            role=Role(values["role"]),
            email=str(values["email"]),
            status=UserStatus(values.get("status") or UserStatus.ACTIVE),
            signed_out_at=None if signed_out_at is None else int(signed_out_at),
        )

    def values(self) -> dict[str, Any]:
        """The item's attributes besides its keys (None is left out of the item by `to_item`)."""
        return {
            "user_id": self.user_id,
            "role": self.role.value,
            "email": self.email,
            "status": self.status.value,
            "signed_out_at": self.signed_out_at,
        }


def identity_key(cognito_sub: str) -> dict[str, Any]:
    # The key layout lives in core: every change of a request checks this item (realty.core.actor).
    return actor_identity_key(cognito_sub)


def get_identity(cognito_sub: str) -> Identity | None:
    response = client("dynamodb").get_item(TableName=get_settings().main_table, Key=identity_key(cognito_sub))
    item = response.get("Item")
    return Identity.from_values(from_item(item)) if item else None
