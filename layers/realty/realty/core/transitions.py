"""The one check every status change goes through: is `current -> target` in the owner's table?

Each capability owns its statuses and their table (`realty.bookings.states`,
`realty.tours.states`); this is the shared mechanism, so every refusal is the same 409 that says
what is allowed from the current status.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from realty.core.errors import Conflict

StatusT = TypeVar("StatusT", bound=StrEnum)


def ensure_transition(
    current: StatusT, target: StatusT, table: Mapping[StatusT, frozenset[StatusT]], kind: str
) -> None:
    """Raise a 409 unless `table` allows `current -> target`; `kind` names the object in the message."""
    status_type = type(next(iter(table)))
    if type(current) is not status_type or type(target) is not status_type:
        # StrEnum members compare (and hash) equal to their values, and "completed" is a booking and
        # a tour status: a status of another kind would silently find a row here. Never mix them up.
        raise TypeError(
            f"a {kind} transition is between {status_type.__name__}s, "
            f"not {type(current).__name__} -> {type(target).__name__}"
        )
    allowed = table[current]
    if target in allowed:
        return
    if allowed:
        options = ", ".join(sorted(s.value for s in allowed))
        raise Conflict(f"a {current.value} {kind} can only become: {options}", code="INVALID_TRANSITION")
    raise Conflict(f"a {current.value} {kind} cannot change any more", code="INVALID_TRANSITION")
