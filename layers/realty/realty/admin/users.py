"""An admin's edit of a user, and the copies of it on the user's bookings and tours (`realty.bookings.people`).

Deactivating or deleting a realtor also closes their listings and future bookings
(`realty.admin.offboarding`), after the user's own status is written; sending the same request
again finishes a cascade that failed halfway.
"""

from __future__ import annotations

from realty.admin import offboarding
from realty.core.auth import Caller, Role
from realty.core.envelope import Resource
from realty.core.errors import Conflict
from realty.users import service as users
from realty.users.identity import UserStatus
from realty.users.models import AdminUpdateUserRequest, AdminUserAttributes


def _closes_listings(user: Resource[AdminUserAttributes]) -> bool:
    return user.attributes.role is Role.REALTOR and user.attributes.status is not UserStatus.ACTIVE


def update_user(caller: Caller, user_id: str, request: AdminUpdateUserRequest) -> Resource[AdminUserAttributes]:
    updated = users.admin_update_user(caller, user_id, request)
    # Only this route needs the bookings capability: imported here to keep the function's cold start short.
    from realty.bookings import people

    people.refresh_copies(user_id)
    if _closes_listings(updated):
        offboarding.finish(caller, user_id)
    return updated


def delete_user(caller: Caller, user_id: str) -> Resource[AdminUserAttributes]:
    try:
        deleted = users.admin_delete_user(caller, user_id)
    except Conflict:
        # Already deleted (still a 409), but an earlier delete may have left listings or bookings open.
        offboarding.finish(caller, user_id)
        raise
    if _closes_listings(deleted):
        offboarding.finish(caller, user_id)
    return deleted
