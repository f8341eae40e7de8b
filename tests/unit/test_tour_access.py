"""The one rule of who may see a tour (and its booking, call, recording and processing results)."""

from __future__ import annotations

import pytest

from realty.core.auth import Caller, Role
from realty.tours import access

REALTOR, BUYER = "01JREALTOR0000000000000000", "01JBUYER0000000000000000000"
TOUR = {"realtor_id": REALTOR, "buyer_id": BUYER}


def _caller(role: Role, user_id: str) -> Caller:
    return Caller(user_id=user_id, role=role, email="someone@example.com")


@pytest.mark.parametrize(
    ("caller", "side", "visible"),
    [
        (_caller(Role.REALTOR, REALTOR), None, True),
        (_caller(Role.BUYER, BUYER), None, True),
        (_caller(Role.ADMIN, "01JADMIN0000000000000000000"), None, True),
        (_caller(Role.REALTOR, "01JOTHERREALTOR00000000000"), None, False),
        (_caller(Role.BUYER, "01JOTHERBUYER0000000000000"), None, False),
        # A role looks on its own side only: the buyer's id held by a realtor account sees nothing.
        (_caller(Role.REALTOR, BUYER), None, False),
        (_caller(Role.REALTOR, REALTOR), "realtor", True),
        (_caller(Role.BUYER, BUYER), "realtor", False),
        (_caller(Role.ADMIN, "01JADMIN0000000000000000000"), "realtor", True),
        (_caller(Role.BUYER, BUYER), "buyer", True),
    ],
)
def test_a_tour_is_visible_to_its_realtor_its_buyer_and_admins(caller, side, visible):
    assert access.visible(caller, side=side, **TOUR) is visible


def test_only_the_participant_of_a_side_takes_part_and_admins_never_do():
    assert access.participant(_caller(Role.REALTOR, REALTOR), side="realtor", **TOUR)
    assert access.participant(_caller(Role.BUYER, BUYER), side="buyer", **TOUR)
    assert not access.participant(_caller(Role.BUYER, BUYER), side="realtor", **TOUR)
    assert not access.participant(_caller(Role.ADMIN, REALTOR), side="realtor", **TOUR)
