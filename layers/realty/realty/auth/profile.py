"""A user's own profile edit, and the copies of it on their bookings and tours (`realty.bookings.people`)."""

from __future__ import annotations

from realty.core.auth import Caller
from realty.core.envelope import Resource
from realty.users import service as users
from realty.users.models import UpdateProfileRequest, UserAttributes


def update_profile(caller: Caller, request: UpdateProfileRequest) -> Resource[UserAttributes]:
    profile = users.update_profile(caller, request)
    # Only this route needs the bookings capability: imported here to keep the function's cold start short.
    from realty.bookings import people

    people.refresh_copies(caller.user_id)
    return profile
