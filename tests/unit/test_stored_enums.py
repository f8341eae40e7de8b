"""str-Enums that replaced plain strings: stored values, JSON and cursors stay exactly as before."""

import pytest

from realty.core import pagination
from realty.core.pagination import decode_cursor, encode_cursor
from realty.tours.access import Scope
from realty.tours.models import Call, CallStatus, RecordingStatus
from realty.tours.schemas import CallAttributes

STORED_CALL = {
    "id": "01JCALL0000000000000000000",
    "tour_id": "01JTOUR0000000000000000000",
    "booking_id": "01JBOOK0000000000000000000",
    "property_id": "01JPROP0000000000000000000",
    "realtor_id": "01JREAL0000000000000000000",
    "buyer_id": "01JBUYE0000000000000000000",
    "scheduled_at": "2026-01-15T10:30:00Z",
    "duration_minutes": 30,
    "status": "active",
    "recording_status": "concatenating",
    "created_at": "2026-01-15T10:00:00Z",
    "updated_at": "2026-01-15T10:31:00Z",
}


def test_a_stored_recording_status_reads_as_its_member_and_writes_back_unchanged():
    call = Call.model_validate(STORED_CALL)
    assert call.recording_status is RecordingStatus.CONCATENATING
    assert call.model_dump(mode="json")["recording_status"] == "concatenating"
    shown = CallAttributes(id=call.id, status=CallStatus.ACTIVE, recording_status=call.recording_status)
    assert shown.model_dump(mode="json")["recording_status"] == "concatenating"


def test_a_call_without_a_recording_has_none():
    assert Call.model_validate({**STORED_CALL, "recording_status": None}).recording_status is None


@pytest.fixture
def signing_key():
    pagination.set_signing_key_provider(lambda: b"k" * 32)
    yield
    pagination.set_signing_key_provider(None)


def test_a_scope_formats_as_the_string_it_replaced(signing_key):
    # List cursors are authenticated with a string built from the scope: a cursor issued before
    # the enum must still open the next page after a deploy.
    for scope, value in ((Scope.BUYER, "buyer"), (Scope.REALTOR, "realtor"), (Scope.ADMIN, "admin")):
        assert f"tours|{scope}|u" == f"tours|{value}|u"
        last_key = {"PK": "TOUR#1", "SK": "TOUR"}
        assert decode_cursor(encode_cursor(last_key, f"tours|{value}|u"), f"tours|{scope}|u") == last_key
