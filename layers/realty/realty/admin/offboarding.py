"""A realtor deactivated or deleted by an admin: their listings go inactive, their future bookings are
cancelled (the buyers are emailed), everything audited.

The user's status is written first (`realty.users.service`: deactivated or deleted, sign-in
disabled), then this cascade runs as an idempotent loop over what is still open: every listing
still `active` or `pending` is set `inactive` through the listing's own edit (search entries
removed with it), and every booking still `pending` or `confirmed` from now on is cancelled through
the bookings' cancellation (slots freed, tour cancelled, reminder and close schedules removed, the
buyer emailed), each with its own audit item. An item that fails does not stop the others; the
request then answers 503 `OFFBOARDING_INCOMPLETE` naming how many are left, and sending it again
(the same deactivation, or the same delete) runs the loop again over what is still open, so a
retry finishes the job and nothing is done twice. The realtor can no longer sign in meanwhile, and
an inactive listing takes no new requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from realty.core import clock
from realty.core.audit import record
from realty.core.auth import Caller, Role
from realty.core.errors import AppError
from realty.core.metrics import count

logger = Logger(child=True)

# Listings in these statuses still take tour requests; sold and inactive ones are left as they are.
OPEN_LISTING_STATUSES = ("active", "pending")
OPEN_BOOKING_STATUSES = ("pending", "confirmed")
# A booking's start is an ISO time; every later one sorts before this.
_END_OF_TIME = "9999-12-31T23:59:59Z"
_PAGE = 100


class OffboardingIncomplete(AppError):
    """Some listings or bookings of a deactivated realtor could not be closed; the same request again
    finishes the job (everything already done is skipped)."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "OFFBOARDING_INCOMPLETE"
    default_message = "the user was deactivated, but some listings or bookings are still open: send the request again"
    retry_after = 5


@dataclass
class Offboarding:
    listings_deactivated: list[str] = field(default_factory=list)
    bookings_cancelled: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def finish(caller: Caller, user_id: str) -> Offboarding | None:
    """Close what a deactivated or deleted realtor left open; None when the user is not one.

    Raises `OffboardingIncomplete` (after trying every item) when something is still open.
    """
    from realty.users import store as users_store
    from realty.users.models import UserStatus

    user = users_store.get_user(user_id)
    if user is None or user.role is not Role.REALTOR or user.status is UserStatus.ACTIVE:
        return None
    result = Offboarding()
    _deactivate_listings(caller, user_id, result)
    _cancel_bookings(caller, user_id, result)
    if result.listings_deactivated or result.bookings_cancelled or result.failed:
        record(
            actor_id=caller.user_id,
            action="user.offboarding_incomplete" if result.failed else "user.offboarded",
            resource_type="user",
            resource_id=user_id,
            details={
                "status": user.status.value,
                "listings_deactivated": result.listings_deactivated,
                "bookings_cancelled": result.bookings_cancelled,
                "still_open": result.failed,
            },
        )
    if result.failed:
        count("OffboardingIncomplete")
        raise OffboardingIncomplete(
            f"the user is {user.status.value}, but {len(result.failed)} listing(s) or booking(s) are still open: "
            "send the request again to finish",
            details={"still_open": result.failed},
        )
    return result


def _deactivate_listings(caller: Caller, realtor_id: str, result: Offboarding) -> None:
    from realty.properties import service as properties
    from realty.properties import store as properties_store
    from realty.properties.models import UpdatePropertyRequest

    start_key = None
    while True:
        page, start_key = properties_store.query_properties(
            properties_store.realtor_query(realtor_id), limit=_PAGE, start_key=start_key
        )
        for prop in page:
            if prop.status.value not in OPEN_LISTING_STATUSES:
                continue
            try:
                properties.update_property(caller, prop.id, UpdatePropertyRequest(status="inactive"))
            except (AppError, ClientError, BotoCoreError):
                logger.exception("listing not deactivated", extra={"property_id": prop.id})
                result.failed.append(f"property:{prop.id}")
            else:
                result.listings_deactivated.append(prop.id)
        if start_key is None:
            return


def _cancel_bookings(caller: Caller, realtor_id: str, result: Offboarding) -> None:
    from realty.bookings import service as bookings
    from realty.bookings import store as bookings_store

    upcoming = bookings_store.realtor_bookings_between(
        realtor_id, clock.now_iso(), _END_OF_TIME, statuses=OPEN_BOOKING_STATUSES
    )
    for booking in upcoming:
        try:
            bookings.cancel_booking(caller, booking.id)
        except (AppError, ClientError, BotoCoreError):
            logger.exception("booking not cancelled", extra={"booking_id": booking.id})
            result.failed.append(f"booking:{booking.id}")
        else:
            result.bookings_cancelled.append(booking.id)
