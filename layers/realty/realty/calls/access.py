"""Who may act on a call, and finding the call (or the tour and call) a request names.

- start, end and record: the tour's realtor (or an admin);
- join and leave: the tour's realtor and buyer only, each on their own route;
- see the call and its recording: its participants and admins. Anyone else gets a 404.
"""

from __future__ import annotations

from realty.calls import store
from realty.calls.models import CallState
from realty.core import ids
from realty.core.auth import Caller
from realty.core.errors import NotFound
from realty.tours import access
from realty.tours.access import Side
from realty.tours.models import Tour

# The actor of the changes Chime's and S3's events make (no user asked for them).


def load_tour(tour_id: str) -> tuple[Tour, CallState] | None:
    if not ids.is_ulid(tour_id):
        return None
    tour, call = store.get_tour_and_call(tour_id)
    return (tour, call) if tour is not None and call is not None else None


def managed_tour(caller: Caller, tour_id: str) -> tuple[Tour, CallState]:
    """The tour and call, if the caller is its realtor or an admin; else 404."""
    found = load_tour(tour_id)
    if found is None or not access.visible(
        caller, realtor_id=found[0].realtor_id, buyer_id=found[0].buyer_id, side="realtor"
    ):
        raise NotFound("no such tour")
    return found


def find_call(call_id: str, *, consistent: bool = False) -> CallState | None:
    """The call by its id (GSI1). A change reads it again by its key, consistently: an index can lag
    behind a change made a moment ago (the realtor records right after the buyer consented)."""
    call = store.get_call_by_id(call_id) if ids.is_ulid(call_id) else None
    if call is not None and consistent:
        call = store.get_call(call.tour_id)
    return call


def visible_call(caller: Caller, call_id: str) -> CallState:
    """Participants (each on their own side) and admins see a call; anyone else gets a 404."""
    call = find_call(call_id)
    if call is None or not access.visible(caller, realtor_id=call.realtor_id, buyer_id=call.buyer_id):
        raise NotFound("no such call")
    return call


def participant_call(caller: Caller, call_id: str, side: Side) -> CallState:
    """Only the participant of this side (realtor or buyer) may join or leave; admins are not participants."""
    call = find_call(call_id, consistent=True)
    if call is None or not access.participant(caller, realtor_id=call.realtor_id, buyer_id=call.buyer_id, side=side):
        raise NotFound("no such call")
    return call


def managed_call(caller: Caller, call_id: str, *, consistent: bool = True) -> CallState:
    """The call, if the caller is its realtor or an admin; else 404."""
    call = find_call(call_id, consistent=consistent)
    if call is None or not access.visible(caller, realtor_id=call.realtor_id, buyer_id=call.buyer_id, side="realtor"):
        raise NotFound("no such call")
    return call
