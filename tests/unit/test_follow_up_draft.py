"""The offline follow-up draft reads as the realtor writing to the buyer, not as a transcript."""

from __future__ import annotations

from realty.processing.followup.drafts import template_draft
from realty.processing.models import SummaryContent, TourView


def test_the_draft_lists_the_summary_without_who_said_each_item():
    tour = TourView(
        id="t1",
        status="completed",
        realtor_id="r1",
        buyer_id="b1",
        property_address="12 Maple Street",
        buyer_name="Dana Buyer",
        realtor_name="Riley Realtor",
    )
    summary = SummaryContent(
        overview="A short tour.",
        liked=["Dana Buyer (buyer): i love the kitchen"],
        concerns=["Dana Buyer (buyer): there is a stain near the wall"],
        questions_for_seller=["Dana Buyer (buyer): how old is the roof?"],
        next_steps=["Riley Realtor (realtor): I will send the disclosures"],
    )

    body = template_draft(tour, summary).body

    assert body.startswith("Hi Dana,")
    assert "- I love the kitchen\n" in body and "- How old is the roof?\n" in body
    assert "- I will send the disclosures\n" in body
    assert "(buyer)" not in body and "(realtor)" not in body
