"""The follow-up: drafted when processing finishes, edited by the realtor, sent to the buyer once."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from realty.adapters import openai as openai_adapter
from realty.processing.followup import drafts
from realty.processing.models import SummaryContent, TourView
from testkit.api import call
from testkit.processing import OPENAI, audit_actions, chat_completion, seed_tour, set_openai_key, tour_item
from tests.support.followup import finish, processed_tour


@pytest.fixture
def people(make_user):
    return make_user("realtor"), make_user("buyer")


def _path(tour_id: str, side: str = "realtors") -> str:
    return f"/api/v1/{side}/tours/{tour_id}/follow-up"


def test_finishing_processing_drafts_a_follow_up_and_emails_the_summary_with_its_moments(people, outbox):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)

    draft = call("GET", _path(tour_id), caller=realtor)

    assert draft.status == 200, draft.body
    attributes = draft.data["attributes"]
    assert attributes["status"] == "draft" and attributes["model"] == "template-v1" and attributes["edited"] is False
    assert attributes["subject"] == "Following up on your tour of 12 Maple Street"
    body = attributes["body"]
    assert body.startswith("Hi Bo,\n\nThank you for touring 12 Maple Street with me.")
    assert "- The big kitchen island\n- Morning light in the living room" in body  # what they liked
    assert "- How old is the roof?" in body and "come back to you with the answers" in body  # answers to come
    assert "- Send the disclosure documents" in body and body.endswith("Rita Realtor")

    [to_realtor] = outbox.to(realtor.email)
    [to_buyer] = outbox.to(buyer.email)
    results = f"http://localhost:5173/tours/{tour_id}/results"
    # Each summary item links to its moment: the results page opened there.
    assert f"- How old is the roof? ({results}?t=55000)" in to_buyer.text
    assert f"- A water stain on the basement wall ({results}?t=41000)" in to_realtor.text
    assert f'href="{results}?t=12000"' in to_buyer.html
    assert "0:41 concern: Water stain on the basement wall" in to_buyer.text
    # Only the realtor hears about the draft.
    assert "A draft follow-up to Bo Buyer is ready" in to_realtor.text
    assert "draft follow-up" not in to_buyer.text


def test_the_buyer_sees_the_follow_up_only_once_sent_and_only_their_own(people, make_user):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)

    assert call("GET", _path(tour_id, "buyers"), caller=buyer).status == 404
    assert call("GET", _path(tour_id), caller=make_user("realtor")).status == 404  # someone else's tour
    assert call("GET", _path(tour_id, "buyers"), caller=make_user("buyer")).status == 404


def test_the_realtor_edits_the_draft_within_bounds(people):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)

    refused = [
        call("PUT", _path(tour_id), caller=realtor, body=body).status
        for body in ({}, {"cc": "x@example.com"}, {"subject": "x" * 201}, {"subject": "two\nlines"}, {"body": None})
    ]
    edited = call("PUT", _path(tour_id), caller=realtor, body={"body": "Dear Bo, thanks again. Rita"})

    assert refused == [422, 422, 422, 422, 422]
    assert edited.status == 200, edited.body
    assert edited.data["attributes"]["body"] == "Dear Bo, thanks again. Rita" and edited.data["attributes"]["edited"]
    again = call("GET", _path(tour_id), caller=realtor).data["attributes"]
    assert again["body"] == "Dear Bo, thanks again. Rita"
    assert again["subject"] == "Following up on your tour of 12 Maple Street"
    assert "tour.follow_up_edited" in audit_actions(tour_id)


def test_sending_emails_the_buyer_once_and_keeps_the_sent_copy(people, outbox):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)
    call("PUT", _path(tour_id), caller=realtor, body={"subject": "Our tour", "body": "Dear Bo,\n\nThanks!\n\nRita"})
    outbox.clear()

    sent = call("POST", f"{_path(tour_id)}/send", caller=realtor)
    again = call("POST", f"{_path(tour_id)}/send", caller=realtor)
    late_edit = call("PUT", _path(tour_id), caller=realtor, body={"body": "changed"})
    seen = call("GET", _path(tour_id, "buyers"), caller=buyer)

    assert sent.status == 200, sent.body
    assert sent.data["attributes"]["status"] == "sent" and sent.data["attributes"]["sent_at"]
    [message] = outbox.sent
    assert message.to == [buyer.email] and message.subject == "Our tour"
    assert message.text.startswith("Dear Bo,\n\nThanks!\n\nRita") and realtor.email in message.text
    assert again.status == 409 and again.body["errors"][0]["message"] == "the follow-up was already sent"
    assert late_edit.status == 409
    assert seen.status == 200
    assert seen.data["attributes"]["body"] == "Dear Bo,\n\nThanks!\n\nRita"
    assert seen.data["attributes"]["model"] is None  # the realtor's bookkeeping is theirs
    stored = tour_item(tour_id, "FOLLOWUP")
    assert stored["status"] == "sent" and stored["sent_by"] == realtor.user_id
    assert audit_actions(tour_id).count("tour.follow_up_sent") == 1


def test_an_email_that_is_not_accepted_keeps_the_draft_to_send_again(people, outbox):
    realtor, buyer = people
    tour_id = processed_tour(realtor, buyer)
    outbox.clear()
    outbox.fail = True

    failed = call("POST", f"{_path(tour_id)}/send", caller=realtor)
    still = call("GET", _path(tour_id), caller=realtor).data["attributes"]
    outbox.fail = False
    retried = call("POST", f"{_path(tour_id)}/send", caller=realtor)

    assert failed.status == 502 and "kept as a draft" in failed.body["errors"][0]["message"]
    assert still["status"] == "draft" and still["sent_at"] is None
    assert retried.status == 200 and len(outbox.to(buyer.email)) == 1
    assert "tour.follow_up_not_delivered" in audit_actions(tour_id)


def test_a_reprocess_regenerates_an_untouched_draft_but_never_an_edited_or_sent_one(people):
    realtor, buyer = people
    untouched, edited = processed_tour(realtor, buyer), processed_tour(realtor, buyer)
    call("PUT", _path(edited), caller=realtor, body={"body": "My own words"})
    changed = {**_summary(), "liked": ["The quiet garden"]}

    for tour_id in (untouched, edited):
        assert finish(tour_id, attempt=2, summary=changed)["updated"] is True

    assert "- The quiet garden" in call("GET", _path(untouched), caller=realtor).data["attributes"]["body"]
    assert call("GET", _path(edited), caller=realtor).data["attributes"]["body"] == "My own words"


def test_a_participant_who_switched_summaries_off_gets_none(people, outbox):
    realtor, buyer = people
    put = call("PUT", "/api/v1/buyers/notification-preferences", caller=buyer, body={"email": {"tour_summary": False}})
    assert put.status == 200, put.body

    processed_tour(realtor, buyer)

    assert outbox.to(buyer.email) == [] and len(outbox.to(realtor.email)) == 1


def test_the_model_failing_leaves_the_template_draft(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("model down")

    monkeypatch.setattr(drafts, "llm_draft", broken)
    tour = TourView(id="t", status="processing", realtor_id="r", buyer_id="b", buyer_name="Bo Buyer")
    summary = SummaryContent(**_summary())

    content, model = drafts.compose(tour, summary, use_llm=True, time_left=lambda: 60.0)

    assert model == "template-v1" and content.body.startswith("Hi Bo,")


@pytest.fixture
def openai_api(aws):
    openai_adapter.reset()
    set_openai_key("sk-test-abc")
    openai_adapter.set_http_client_factory(httpx.Client)
    with respx.mock(base_url=OPENAI, assert_all_called=False) as router:
        yield router
    openai_adapter.set_http_client_factory(None)
    openai_adapter.reset()


def _view(tour_id: str) -> TourView:
    from realty.processing import store

    found = store.get_tour(tour_id)
    assert found is not None
    return found


def test_with_openai_the_model_writes_the_draft_from_the_summary_and_finalize_keeps_it(people, openai_api):
    realtor, buyer = people
    answer = {"subject": "Thanks for visiting 12 Maple Street", "body": "Hi Bo,\n\nThanks for coming.\n\nRita"}
    route = openai_api.post("/chat/completions").mock(return_value=httpx.Response(200, json=chat_completion(answer)))
    tour_id = seed_tour(realtor, buyer, status="processing", processing_attempt=1, with_recording=False)

    # What the summary step does once the model wrote the summary.
    assert drafts.write_draft(
        _view(tour_id), SummaryContent(**_summary()), attempt=1, use_llm=True, time_left=lambda: 300.0
    )
    assert finish(tour_id, summary_model="gpt-4o-mini")["updated"] is True

    draft = call("GET", _path(tour_id), caller=realtor).data["attributes"]
    assert (draft["subject"], draft["body"], draft["model"]) == (answer["subject"], answer["body"], "gpt-4o-mini")
    sent = json.loads(route.calls.last.request.content)
    facts = json.loads(sent["messages"][1]["content"])
    assert facts["summary"]["questions_for_seller"] == ["How old is the roof?"] and facts["buyer_name"] == "Bo Buyer"


def test_with_openai_down_the_template_writes_the_draft(people, openai_api):
    realtor, buyer = people
    route = openai_api.post("/chat/completions").mock(return_value=httpx.Response(500, json={"error": {}}))
    tour_id = seed_tour(realtor, buyer, status="processing", processing_attempt=1, with_recording=False)

    drafts.write_draft(_view(tour_id), SummaryContent(**_summary()), attempt=1, use_llm=True, time_left=lambda: 300.0)

    assert route.call_count >= 1
    assert tour_item(tour_id, "FOLLOWUP")["model"] == "template-v1"


def _summary() -> dict:
    from tests.support.followup import SUMMARY

    return dict(SUMMARY)
