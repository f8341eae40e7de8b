"""People as bookings and tours show them: a name and avatar for everyone who may see the object,
contact details only for those the product rules let see them.

The booking and tour items carry copies of both participants' names, avatar keys, emails and phone
ciphertexts, written when the item is written (see docs/decisions.md, "People, not ids"), so a read
stays one DynamoDB call. A phone is decrypted only when it is shown.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from pydantic import Field

from realty.core.errors import NotConfigured
from realty.core.models import Model
from realty.media import store as media
from realty.users import store
from realty.users.models import User

SIDES = ("buyer", "realtor")
# What a booking or tour keeps of each side, as `<side>_<copied>`.
COPIED = ("name", "email", "avatar_key", "phone_ciphertext")
# What a call keeps: who is in it, never how to reach them.
CALL_COPIED = ("name", "avatar_key")


class Person(Model):
    """A participant as the viewer may see them."""

    id: str
    name: str | None = None
    avatar_url: str | None = Field(default=None, description="presigned GET of the avatar, when the person set one")
    email: str | None = Field(default=None, description="only for those allowed to contact this person")
    phone: str | None = Field(default=None, description="only for those allowed to contact this person")


def copies(side: str, user: User | None) -> dict[str, Any]:
    """The attributes a booking or tour keeps of one participant (`side`: buyer or realtor)."""
    if user is None:
        return {}
    return {
        f"{side}_name": user.full_name,
        f"{side}_email": user.email,
        f"{side}_avatar_key": user.avatar_key,
        f"{side}_phone_ciphertext": user.phone_ciphertext,
    }


def call_copies(side: str, user: User | None) -> dict[str, Any]:
    """What a call keeps of one participant: a name and an avatar."""
    if user is None:
        return {}
    return {f"{side}_name": user.full_name, f"{side}_avatar_key": user.avatar_key}


def listing_copies(user: User | None) -> dict[str, Any]:
    """What a listing keeps of its realtor: a name and an avatar, never contact details."""
    if user is None:
        return {}
    return call_copies("realtor", user)


def _avatar_url(avatar_key: str | None) -> str | None:
    if not avatar_key:
        return None
    # A function not given the media bucket shows no avatar rather than failing the whole request.
    with suppress(NotConfigured):
        return media.url_for(avatar_key)
    return None


def person(item: Any, side: str, *, email: bool, phone: bool) -> Person:
    """`side` of a booking or tour (`item` carries the copies), with the contact details allowed."""
    user_id = getattr(item, f"{side}_id")
    ciphertext = getattr(item, f"{side}_phone_ciphertext", None)
    return Person(
        id=user_id,
        name=getattr(item, f"{side}_name", None),
        avatar_url=_avatar_url(getattr(item, f"{side}_avatar_key", None)),
        email=getattr(item, f"{side}_email", None) if email else None,
        phone=store.decrypt_phone(user_id, ciphertext) if phone and ciphertext else None,
    )


def participants(item: Any, viewer_id: str, *, viewer_is_admin: bool, confirmed: bool) -> dict[str, Person]:
    """Both participants of a booking or tour as `viewer_id` may see them.

    The one rule: admins see everything; the realtor sees the buyer's email and phone as soon as a
    booking exists; the buyer sees the realtor's phone once the booking is `confirmed` (a tour is);
    everyone sees their own details; nobody else sees contact details.
    """
    is_realtor = viewer_id == item.realtor_id
    is_buyer = viewer_id == item.buyer_id
    buyer_contact = viewer_is_admin or is_buyer or is_realtor
    return {
        "buyer": person(item, "buyer", email=buyer_contact, phone=buyer_contact),
        "realtor": person(
            item,
            "realtor",
            email=viewer_is_admin or is_realtor,
            phone=viewer_is_admin or is_realtor or (is_buyer and confirmed),
        ),
    }
