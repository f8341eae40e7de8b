import pytest

from realty.core.errors import Conflict
from realty.tours.states import BOOKING_TRANSITIONS, TOUR_TRANSITIONS, BookingStatus, TourStatus, ensure_transition


@pytest.mark.parametrize("table", [BOOKING_TRANSITIONS, TOUR_TRANSITIONS])
def test_every_status_has_a_row(table):
    enum = type(next(iter(table)))
    assert set(table) == set(enum)


@pytest.mark.parametrize(
    ("current", "target"),
    # Two lists, not one merged dict: "completed" is both a booking and a tour status.
    [(c, t) for c, targets in BOOKING_TRANSITIONS.items() for t in sorted(targets)]
    + [(c, t) for c, targets in TOUR_TRANSITIONS.items() for t in sorted(targets)],
)
def test_allowed_transitions_pass(current, target):
    ensure_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [(c, t) for c in BookingStatus for t in BookingStatus if t not in BOOKING_TRANSITIONS[c]]
    + [(c, t) for c in TourStatus for t in TourStatus if t not in TOUR_TRANSITIONS[c]],
)
def test_every_other_transition_is_a_conflict_that_says_what_is_allowed(current, target):
    with pytest.raises(Conflict) as raised:
        ensure_transition(current, target)
    assert raised.value.code == "INVALID_TRANSITION"
    assert current.value in raised.value.message
    for allowed in (BOOKING_TRANSITIONS if isinstance(current, BookingStatus) else TOUR_TRANSITIONS)[current]:
        assert allowed.value in raised.value.message


def test_a_finished_tour_is_never_live_again():
    with pytest.raises(Conflict):
        ensure_transition(TourStatus.COMPLETED, TourStatus.IN_PROGRESS)


def test_a_booking_status_is_never_a_tour_target():
    with pytest.raises(TypeError):
        ensure_transition(BookingStatus.CONFIRMED, TourStatus.COMPLETED)
