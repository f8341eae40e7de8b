"""Ask the tour through the local stack's gateway: the questions function is routed, authorized and answers
in the envelope. (The answered path runs in the browser journey, on a tour the local stack processed.)"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import LocalStackProcess
from tests.e2e.test_local_stack import assert_error_envelope, login

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_the_demo_tour_cannot_be_asked_before_it_is_processed_and_lists_no_questions(
    local_stack: LocalStackProcess,
) -> None:
    token = login(local_stack, "buyer@example.com")["access_token"]
    tours = local_stack.request("GET", "/api/v1/buyers/tours", token=token)
    assert tours.status == 200, tours.body
    tour_id = tours.json["data"][0]["id"]

    asked = local_stack.request(
        "POST", f"/api/v1/buyers/tours/{tour_id}/questions", {"question": "Is the roof new?"}, token=token
    )
    listed = local_stack.request("GET", f"/api/v1/buyers/tours/{tour_id}/questions", token=token)
    wrong_role = local_stack.request(
        "POST", f"/api/v1/realtors/tours/{tour_id}/questions", {"question": "Is the roof new?"}, token=token
    )

    assert asked.status == 409, asked.body
    assert_error_envelope(asked.json, "TRANSCRIPT_NOT_READY")
    assert listed.status == 200, listed.body
    assert listed.json["data"] == [] and listed.json["meta"]["pagination"]["next_cursor"] is None
    assert wrong_role.status == 403
