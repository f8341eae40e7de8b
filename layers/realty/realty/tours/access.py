"""Who may see a tour, and everything that belongs to it: the one rule, used by every capability.

A tour (and its booking, call, recording, transcript, highlights, summary) is visible to its
realtor, its buyer and admins. Anyone else gets a 404 from the service that asked, never a 403,
so ids do not leak. The rule lives here only: bookings, tours, calls and processing all call it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from realty.core.auth import Caller, Role

Side = Literal["realtor", "buyer"]


class Scope(StrEnum):
    """Which list a route shows (tours, bookings): set by the route, never by the caller's role, so an
    admin on `/realtors/tours` sees the tours they lead as a realtor, not every tour."""

    BUYER = "buyer"  # the caller's own, as the buyer
    REALTOR = "realtor"  # the caller's own (their tours, their properties' bookings), as the realtor
    ADMIN = "admin"  # everyone's


def _side_of(caller: Caller) -> Side:
    return "buyer" if caller.role is Role.BUYER else "realtor"


def visible(caller: Caller, *, realtor_id: str, buyer_id: str, side: Side | None = None) -> bool:
    """Admins see every tour; a realtor sees their own tours, a buyer theirs.

    `side` narrows the check to one participant: the realtor routes (`/realtors/...`, and managing
    a tour: start, end, record, reprocess) pass `"realtor"`, the buyer routes `"buyer"`. Without
    it the caller's role says which side they are on.
    """
    if caller.is_admin:
        return True
    return participant(caller, realtor_id=realtor_id, buyer_id=buyer_id, side=side or _side_of(caller))


def participant(caller: Caller, *, realtor_id: str, buyer_id: str, side: Side) -> bool:
    """Whether the caller is the tour's participant on `side`. Admins are not participants: joining
    or leaving a call is personal, so those routes use this rather than `visible`."""
    if caller.role is Role.ADMIN or _side_of(caller) != side:
        return False
    return caller.user_id == (realtor_id if side == "realtor" else buyer_id)
