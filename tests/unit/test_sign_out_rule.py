"""The authorizer's sign-out rule: which tokens a sign-out at a given millisecond kills."""

from __future__ import annotations

import pytest

from realty.core.actor import issued_before

SIGNED_OUT_MS = 1_700_000_000_400  # 400 ms into second 1_700_000_000


@pytest.mark.parametrize(
    ("iat", "expected"),
    [
        (1_699_999_999, True),  # the whole second before: issued before the sign-out
        (1_700_000_001, False),  # the next second: after it
        (1_700_000_000, None),  # the sign-out's own second: the token cannot say
        (1_700_000_000.3, True),  # an exact instant decides
        (1_700_000_000.4, True),  # at the very instant counts as before
        (1_700_000_000.5, False),
    ],
)
def test_a_whole_second_iat_is_decided_unless_it_is_the_sign_outs_own_second(iat, expected):
    assert issued_before(iat, SIGNED_OUT_MS) is expected


def test_a_sign_out_on_the_last_millisecond_of_a_second_decides_that_second():
    assert issued_before(1_700_000_000, 1_700_000_000_999) is True
