"""An admin's edit of a user, and the copies of it on the user's bookings and tours (`realty.bookings.people`)."""

from __future__ import annotations

from realty.core.auth import Caller
from realty.core.envelope import Resource
from realty.users import service as users
from realty.users.models import AdminUpdateUserRequest, AdminUserAttributes


def update_user(caller: Caller, user_id: str, request: AdminUpdateUserRequest) -> Resource[AdminUserAttributes]:
    updated = users.admin_update_user(caller, user_id, request)
    # Only this route needs the bookings capability: imported here to keep the function's cold start short.
    from realty.bookings import people

    people.refresh_copies(user_id)
    return updated
