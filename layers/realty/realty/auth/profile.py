"""A user's own profile edit or new verified email, and the copies of it on their bookings and tours
(`realty.bookings.people`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from realty.core.auth import Caller
from realty.core.envelope import Resource
from realty.users import service as users
from realty.users.models import UpdateProfileRequest, UserAttributes

if TYPE_CHECKING:
    from realty.auth.models import VerifyEmailRequest


def update_profile(caller: Caller, request: UpdateProfileRequest) -> Resource[UserAttributes]:
    profile = users.update_profile(caller, request)
    # Only this route needs the bookings capability: imported here to keep the function's cold start short.
    from realty.bookings import people

    people.refresh_copies(caller.user_id)
    return profile


def verify_email(caller: Caller, access_token: str, request: VerifyEmailRequest) -> Resource[UserAttributes]:
    """The user confirms the new address an admin set (`pending_email`) with the code emailed to it.

    Cognito first: once it has verified the address (the pending one, which it sent the code to),
    that is the account's email and sign-in name; the record then follows. Should that write fail,
    the record still holds it as pending and Cognito already has it, so support re-sends the change.
    """
    from realty.auth import cognito
    from realty.core import actor

    # A removed or signed-out account is refused first, as every change refuses it (one GetItem,
    # which the Cognito call below would otherwise make).
    actor.confirm()
    pending = users.pending_email_of(caller.user_id)  # 409 when nothing waits, before any code is tried
    cognito.verify_email(access_token=access_token, code=request.code)
    if users.confirm_email_change(caller.user_id, pending) is not None:
        from realty.bookings import people

        people.refresh_copies(caller.user_id)
    return users.get_profile(caller)
