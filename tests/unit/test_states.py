import pytest

from realty.bookings import states as booking_states
from realty.bookings.states import BOOKING_TRANSITIONS, BookingStatus
from realty.core.errors import Conflict
from realty.tours import states as tour_states
from realty.tours.states import TOUR_TRANSITIONS, TourStatus


def ensure_transition(current, target):
    """Each owner's check for its own kind of status."""
    owner = booking_states if isinstance(current, BookingStatus) else tour_states
    owner.ensure_transition(current, target)


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
        tour_states.ensure_transition(TourStatus.COMPLETED, TourStatus.IN_PROGRESS)


def test_a_booking_status_is_never_a_tour_target():
    with pytest.raises(TypeError):
        tour_states.ensure_transition(BookingStatus.CONFIRMED, TourStatus.COMPLETED)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("check", "current", "target"),
    [
        # "completed" is a value of both enums: each table must refuse the other kind's members,
        # even where the values would find a row.
        (tour_states.ensure_transition, BookingStatus.COMPLETED, BookingStatus.COMPLETED),
        (booking_states.ensure_transition, TourStatus.CANCELLED, TourStatus.CANCELLED),
    ],
)
def test_each_table_refuses_the_other_kind(check, current, target):
    with pytest.raises(TypeError):
        check(current, target)
