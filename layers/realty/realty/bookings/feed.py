"""Private calendar feeds: an `.ics` subscription URL per user, of their confirmed tours.

`POST /{buyers,realtors}/calendar-feed` makes a new secret token (the old one stops working in the
same transaction) and answers the URL once; `DELETE` revokes it. The public `GET
/calendar-feeds/{token}` is authenticated by the token alone (calendar apps send no headers): the
token is 256 random bits, only its SHA-256 is stored, and an unknown or revoked one is a 404.
The feed lists the user's confirmed tours from 30 days back on (one Query of their bookings),
with the invites' own UIDs and the listings' time zones.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from realty.bookings import store
from realty.bookings.states import BookingStatus
from realty.core import clock
from realty.core.audit import audit_action
from realty.core.auth import Caller, Role
from realty.core.errors import NotFound
from realty.core.models import Model

FEED_PATH = "/api/v1/calendar-feeds/"
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
PAST = timedelta(days=30)
MAX_EVENTS = 500


class FeedAttributes(Model):
    url: str | None = None
    path: str | None = None
    active: bool
    created_at: str | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _audit(caller: Caller, action: str) -> dict[str, object]:
    return audit_action(
        actor_id=caller.user_id, action=action, resource_type="calendar_feed", resource_id=caller.user_id
    )


def rotate(caller: Caller, *, base_url: str) -> FeedAttributes:
    """A new feed URL for the caller; any earlier one stops working."""
    from realty.users import store as users

    token = secrets.token_urlsafe(32)
    current = users.current_feed(caller.user_id)
    stamp = clock.now_iso()
    users.replace_feed(
        caller.user_id,
        caller.role.value,
        new_hash=_hash(token),
        old_hash=str(current["token_hash"]) if current else None,
        created_at=stamp,
        audit=_audit(caller, "calendar_feed.created" if current is None else "calendar_feed.rotated"),
    )
    path = FEED_PATH + token
    return FeedAttributes(url=base_url + path, path=path, active=True, created_at=stamp)


def revoke(caller: Caller) -> FeedAttributes:
    from realty.users import store as users

    current = users.current_feed(caller.user_id)
    if current is None:
        raise NotFound("no calendar feed")
    users.replace_feed(
        caller.user_id,
        caller.role.value,
        new_hash=None,
        old_hash=str(current["token_hash"]),
        created_at=clock.now_iso(),
        audit=_audit(caller, "calendar_feed.revoked"),
    )
    return FeedAttributes(active=False)


@dataclass(frozen=True)
class Feed:
    body: bytes


def render(token: str) -> Feed:
    """The feed behind a token: GetItem of its owner, then one Query of their bookings."""
    from realty.bookings import emails, ics
    from realty.users import store as users

    owner = users.feed_owner(_hash(token)) if TOKEN_PATTERN.match(token) else None
    if owner is None:
        raise NotFound("no such calendar feed")
    user_id, role = str(owner["user_id"]), Role(str(owner["role"]))
    if role is Role.REALTOR:
        index, pk = "GSI2", f"REALTOR#{user_id}#BOOKINGS"
    else:
        index, pk = "GSI1", f"BUYER#{user_id}#BOOKINGS"
    query = store.BookingQuery(
        index=index,
        pk=pk,
        status=BookingStatus.CONFIRMED.value,
        lower=clock.iso(clock.now() - PAST),
        upper=None,
        by_schedule=True,
        limit=MAX_EVENTS,
        start_key=None,
    )
    bookings, _ = store.list_bookings(query)
    invites = [emails.invite_of(b) for b in bookings]
    return Feed(body=ics.render_feed("RealtyForYou tours", invites))
