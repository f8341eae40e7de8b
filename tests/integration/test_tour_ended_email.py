"""When a tour ends, both parties are emailed once, saying what comes next (the recording's results,
or the notes), whoever ended it: the realtor, an admin, or Chime ending the meeting."""

from __future__ import annotations

from realty.billing.service import grant_plan
from testkit.api import call

SUBJECT = "Your tour of 12 Harbour View Rd has ended"


def _start(world, chime_stub) -> dict:
    meeting = chime_stub.create_meeting(world.tour_id)
    started = call("POST", f"/api/v1/realtors/tours/{world.tour_id}/start", caller=world.realtor)
    assert started.status == 200, started.body
    return meeting


def test_ending_a_recorded_tour_tells_both_the_results_are_coming_once(tour, chime_stub, outbox):
    meeting = _start(tour, chime_stub)
    chime_stub.create_attendee(meeting["MeetingId"], tour.buyer.user_id)
    joined = call(
        "POST", f"/api/v1/buyers/calls/{tour.call_id}/join", caller=tour.buyer, body={"recording_consent": True}
    )
    assert joined.status == 200, joined.body
    grant_plan(tour.realtor.user_id, plan="pro", status="active")
    capture = chime_stub.start_capture(tour.tour_id, meeting["MeetingId"], tour.bucket)
    recorded = call(
        "POST", f"/api/v1/realtors/calls/{tour.call_id}/record", caller=tour.realtor, body={"action": "start"}
    )
    assert recorded.status == 200, recorded.body
    chime_stub.stop_capture(capture["id"])
    chime_stub.delete_meeting(meeting["MeetingId"])
    chime_stub.concatenate(tour.tour_id, capture["arn"], tour.bucket)
    outbox.clear()

    first = call("POST", f"/api/v1/realtors/tours/{tour.tour_id}/end", caller=tour.realtor)
    again = call("POST", f"/api/v1/realtors/tours/{tour.tour_id}/end", caller=tour.realtor)

    assert first.status == again.status == 200, first.body
    [to_buyer] = outbox.to("bo@example.com")
    [to_realtor] = outbox.to("rita@example.com")
    assert to_buyer.subject == to_realtor.subject == SUBJECT
    assert "Rita Realtor" in to_buyer.text
    assert "highlights appear" in to_buyer.text
    assert "transcript, highlights and summary" in to_realtor.text
    assert "Bo Buyer" in to_realtor.text


def test_ending_an_unrecorded_tour_says_it_was_not_recorded(tour, chime_stub, outbox):
    meeting = _start(tour, chime_stub)
    chime_stub.delete_meeting(meeting["MeetingId"])
    outbox.clear()

    assert call("POST", f"/api/v1/realtors/tours/{tour.tour_id}/end", caller=tour.realtor).status == 200

    assert outbox.subjects("bo@example.com") == [SUBJECT]
    assert outbox.subjects("rita@example.com") == [SUBJECT]
    assert "not recorded" in outbox.to("rita@example.com")[0].text


def test_a_tour_that_never_started_sends_no_ended_email(tour, chime_stub, outbox):
    outbox.clear()
    assert call("POST", f"/api/v1/realtors/tours/{tour.tour_id}/end", caller=tour.realtor).status == 409
    assert SUBJECT not in [m.subject for m in outbox.sent]


def test_chime_ending_the_meeting_ends_the_tour_and_emails_both(tour, chime_stub, outbox):
    from realty.calls import meeting as meetings

    started = _start(tour, chime_stub)
    outbox.clear()

    meetings.meeting_ended(tour.tour_id, started["MeetingId"])
    meetings.meeting_ended(tour.tour_id, started["MeetingId"])  # delivered again: no second email

    assert outbox.subjects("bo@example.com") == [SUBJECT]
    assert outbox.subjects("rita@example.com") == [SUBJECT]


def test_a_party_who_switched_the_tour_ended_email_off_is_not_sent_it(tour, chime_stub, outbox):
    quiet = {"start": "00:00", "end": "23:45", "time_zone": "UTC"}  # quiet hours do not hold this email
    off = call(
        "PUT",
        "/api/v1/buyers/notification-preferences",
        caller=tour.buyer,
        body={"email": {"tour_ended": False}},
    )
    assert off.status == 200 and off.data["attributes"]["email"]["tour_ended"] is False
    kept = call("PUT", "/api/v1/realtors/notification-preferences", caller=tour.realtor, body={"quiet_hours": quiet})
    assert kept.status == 200 and kept.data["attributes"]["email"]["tour_ended"] is True
    meeting = _start(tour, chime_stub)
    chime_stub.delete_meeting(meeting["MeetingId"])
    outbox.clear()

    assert call("POST", f"/api/v1/realtors/tours/{tour.tour_id}/end", caller=tour.realtor).status == 200

    assert SUBJECT not in outbox.subjects("bo@example.com")
    assert outbox.subjects("rita@example.com") == [SUBJECT]
