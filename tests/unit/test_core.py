import base64
from datetime import UTC, datetime, timedelta

import pytest

from realty.core import clock, ids, pagination
from realty.core.errors import BadRequest


@pytest.fixture
def signing_key():
    pagination.set_signing_key_provider(lambda: b"k" * 32)
    yield
    pagination.set_signing_key_provider(None)


def test_ulids_are_valid_unique_and_sort_by_creation_time():
    start = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)
    made = []
    for minute in range(50):
        clock.set_clock(lambda m=minute: start + timedelta(minutes=m))
        made.append(ids.new_id())
    clock.set_clock(None)
    assert all(ids.is_ulid(i) for i in made)
    assert len(set(made)) == 50
    assert made == sorted(made)


def test_iso_times_are_utc_with_z():
    moment = datetime(2026, 1, 15, 11, 30, tzinfo=UTC).astimezone()
    assert clock.iso(moment) == "2026-01-15T11:30:00Z"
    assert clock.parse_iso("2026-01-15T11:30:00Z") == datetime(2026, 1, 15, 11, 30, tzinfo=UTC)


def test_a_cursor_round_trips_for_its_own_query(signing_key):
    last_key = {"PK": {"S": "PROPERTY#1"}, "SK": {"S": "PROPERTY"}}
    cursor = pagination.encode_cursor(last_key, "buyers:city=austin")
    assert cursor is not None
    assert "PROPERTY" not in base64.urlsafe_b64decode(cursor + "==").decode("latin-1")  # encrypted, not encoded
    assert pagination.decode_cursor(cursor, "buyers:city=austin") == last_key


def test_no_more_pages_is_a_null_cursor(signing_key):
    assert pagination.encode_cursor(None, "scope") is None
    assert pagination.decode_cursor(None, "scope") is None


def test_a_cursor_from_another_query_is_refused(signing_key):
    cursor = pagination.encode_cursor({"PK": {"S": "x"}}, "buyers:city=austin")
    with pytest.raises(BadRequest) as raised:
        pagination.decode_cursor(cursor, "buyers:city=dallas")
    assert raised.value.field == "cursor"


def _flip_middle(cursor: str) -> str:
    middle = len(cursor) // 2
    return cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1 :]


@pytest.mark.parametrize(
    "mangle", [_flip_middle, lambda c: c[:-2], lambda c: "x" + c, lambda c: "...", lambda c: c * 2]
)
def test_an_edited_cursor_is_refused(signing_key, mangle):
    cursor = pagination.encode_cursor({"PK": {"S": "x"}}, "scope")
    with pytest.raises(BadRequest):
        pagination.decode_cursor(mangle(cursor), "scope")


def test_not_configured_answers_plainly_and_keeps_the_detail_for_operators():
    from realty.core.errors import NotConfigured

    error = NotConfigured("put the api_key into the StripeSecret secret")

    assert error.message == "this feature is not configured on this deployment"
    assert error.detail == "put the api_key into the StripeSecret secret"
    assert str(error) == error.detail  # what Lambda reports and tracebacks show
    assert NotConfigured().detail == NotConfigured().message
