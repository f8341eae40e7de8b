"""Keeping the copies of a person on their bookings and tours current.

Bookings and tours carry copies of both participants (`realty.users.people.copies`) so a read is one
DynamoDB call. When a user changes their name, phone or avatar, `refresh_copies` rewrites those copies
on every booking and tour they take part in (and a realtor's on their listings), found through the
by-participant indexes a page at a time: in the same request, after the profile is saved, and
idempotent (it writes the profile as it is now, so running it twice, or after a later edit, converges).
See docs/decisions.md, "People, not ids".
"""

from __future__ import annotations

from realty.bookings import copies_store
from realty.media.uploads import Outcome
from realty.users import avatars, people
from realty.users import store as users_store

# (index, partition prefix, side): where a user's bookings and tours are listed, and which copies they hold.
_PARTITIONS = (
    ("GSI1", "BUYER", "buyer"),
    ("GSI2", "REALTOR", "realtor"),
)


def refresh_copies(user_id: str) -> int:
    """Rewrite the user's copies on their bookings and tours; the number of items refreshed."""
    user = users_store.get_user(user_id)
    if user is None:
        return 0
    refreshed = 0
    for index, prefix, side in _PARTITIONS:
        values = people.copies(side, user)
        for kind in ("BOOKINGS", "TOURS"):
            keys = list(copies_store.participant_keys(index, f"{prefix}#{user.id}#{kind}"))
            copies_store.refresh_copies(keys, values)
            refreshed += len(keys)
            if kind == "TOURS":
                # Each tour's call (`TOUR#<id>` / `CALL`) shows names and avatars too.
                calls = [{"PK": k["PK"], "SK": {"S": "CALL"}} for k in keys]
                copies_store.refresh_copies(calls, people.call_copies(side, user))
                refreshed += len(calls)
    # Listings show their realtor's name and avatar (GSI1 `REALTOR#<id>#PROPERTIES`).
    listings = list(copies_store.participant_keys("GSI1", f"REALTOR#{user.id}#PROPERTIES"))
    copies_store.refresh_copies(listings, people.listing_copies(user))
    return refreshed + len(listings)


def handle_avatar_upload(user_id: str, upload_id: str, upload_key: str) -> Outcome:
    """The images function's handler of an avatar upload: the avatar (`users.avatars`), then its copies."""
    outcome = avatars.handle_upload(user_id, upload_id, upload_key)
    if outcome is Outcome.READY:
        refresh_copies(user_id)
    return outcome
