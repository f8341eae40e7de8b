"""The realtor's draft follow-up to the buyer, written when a tour's processing finishes.

With OpenAI configured (and the summary written by the model), the same adapter as the summary writes
it from the summary; otherwise, or when the model fails, a template does: thanks, what the buyer
liked, the open questions (answers to come), next steps. A draft the realtor edited or sent is never
replaced: a reprocess regenerates only an untouched draft.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html import escape
from typing import Any

from aws_lambda_powertools import Logger

from realty.adapters.email import Email
from realty.core import clock
from realty.core.config import get_settings
from realty.core.metrics import count
from realty.processing.followup import store
from realty.processing.followup.models import (
    BODY_MAX_CHARS,
    SUBJECT_MAX_CHARS,
    FollowUpContent,
    FollowUpStatus,
    LlmFollowUp,
    StoredFollowUp,
)
from realty.processing.models import SummaryContent, TourView

logger = Logger(child=True)

TEMPLATE_MODEL = "template-v1"

PROMPT = """You write, for a real-estate agent, a short follow-up email to the buyer they just toured a \
property with. You get the tour's summary (what the buyer liked, their concerns, questions for the seller, \
next steps). Thank the buyer, recall what they liked, acknowledge each concern, say that answers to their \
questions will follow, and restate the next steps. Warm, plain, no invented facts, no prices or promises \
that are not in the summary. Plain text; sign with the agent's name."""


def _first_name(name: str | None) -> str:
    return (name or "").split()[0] if (name or "").split() else "there"


def _place(tour: TourView) -> str:
    return tour.property_address or "the property"


# The summary quotes who said each item ("Dana (buyer): ..."); a message to the buyer does not.
_SPEAKER = re.compile(r"^(?:[^:\n]{1,80} \((?:buyer|realtor)\)|buyer|realtor|unknown speaker):\s*", re.IGNORECASE)


def _said(item: str) -> str:
    text = _SPEAKER.sub("", item.strip()).rstrip()
    return text[:1].upper() + text[1:]


def _listed(items: list[str]) -> str:
    return "\n".join(f"- {_said(item)}" for item in items)


def template_draft(tour: TourView, summary: SummaryContent | None) -> FollowUpContent:
    """The offline draft: every part of the summary the buyer will want back, in the realtor's voice."""
    place = _place(tour)
    parts = [f"Hi {_first_name(tour.buyer_name)},", f"Thank you for touring {place} with me."]
    if summary is not None:
        if summary.liked:
            parts.append("I was glad to hear what you liked:\n" + _listed(summary.liked[:4]))
        if summary.concerns:
            parts.append("You raised some points I am looking into:\n" + _listed(summary.concerns[:6]))
        if summary.questions_for_seller:
            parts.append(
                "I am putting your questions to the seller and will come back to you with the answers:\n"
                + _listed(summary.questions_for_seller[:6])
            )
        if summary.next_steps:
            parts.append("Next steps:\n" + _listed(summary.next_steps[:6]))
    parts.append("Let me know if anything else comes to mind.")
    parts.append(f"Best regards,\n{tour.realtor_name or 'Your realtor'}")
    return FollowUpContent(subject=f"Following up on your tour of {place}"[:SUBJECT_MAX_CHARS], body="\n\n".join(parts))


def _tidy(content: LlmFollowUp) -> FollowUpContent | None:
    subject = " ".join(content.subject.split())[:SUBJECT_MAX_CHARS]
    body = content.body.strip()[:BODY_MAX_CHARS]
    return FollowUpContent(subject=subject, body=body) if subject and body else None


def llm_draft(tour: TourView, summary: SummaryContent, *, timeout: float) -> FollowUpContent | None:
    from realty.adapters import openai as openai_adapter

    facts = {
        "property": _place(tour),
        "buyer_name": tour.buyer_name,
        "agent_name": tour.realtor_name,
        "summary": summary.model_dump(),
    }
    answer = openai_adapter.parse(
        system=PROMPT,
        user=json.dumps(facts, ensure_ascii=False),
        schema=LlmFollowUp,
        model=get_settings().openai_model,
        timeout=timeout,
    )
    return _tidy(answer)


def compose(
    tour: TourView, summary: SummaryContent | None, *, use_llm: bool, time_left: Callable[[], float]
) -> tuple[FollowUpContent, str]:
    """(the draft, who wrote it). The model failing is never a reason to have no draft."""
    if use_llm and summary is not None:
        timeout = min(get_settings().openai_timeout_seconds, time_left() - 10)
        if timeout > 5:
            try:
                drafted = llm_draft(tour, summary, timeout=timeout)
            except Exception:
                logger.exception("follow-up draft not written by the model; template used")
                count("FollowUpDraftFallback")
                drafted = None
            if drafted is not None:
                return drafted, get_settings().openai_model
    return template_draft(tour, summary), TEMPLATE_MODEL


def write_draft(
    tour: TourView,
    summary: SummaryContent | None,
    *,
    attempt: int,
    use_llm: bool,
    time_left: Callable[[], float],
) -> bool:
    """Write the tour's draft; False when the realtor already edited or sent theirs (left alone)."""
    existing = store.get_follow_up(tour.id)
    if existing is not None and (existing.edited or existing.sent_at):
        logger.info("follow-up kept: edited or sent", extra={"tour_id": tour.id})
        return False
    content, model = compose(tour, summary, use_llm=use_llm, time_left=time_left)
    stamp = clock.now_iso()
    written = store.put_draft(
        StoredFollowUp(
            **content.model_dump(),
            tour_id=tour.id,
            realtor_id=tour.realtor_id,
            buyer_id=tour.buyer_id,
            model=model,
            attempt=attempt,
            version=(existing.version + 1) if existing else 1,
            created_at=existing.created_at if existing else stamp,
            updated_at=stamp,
        )
    )
    if written:
        count("FollowUpDrafts")
    return written


def ensure_draft(
    tour: TourView, summary: SummaryContent | None, stored: dict[str, Any] | None, *, attempt: int
) -> bool:
    """At Finalize: the template's draft when this run's summary step left none (`stored`: the item
    read). True when a draft waits for the realtor (not when they already sent theirs)."""
    if stored is None or stored.get("attempt") != attempt:
        write_draft(tour, summary, attempt=attempt, use_llm=False, time_left=lambda: 0.0)
    return stored is None or stored.get("status") != FollowUpStatus.SENT.value


def follow_up_email(tour: TourView, follow_up: StoredFollowUp) -> Email:
    """The realtor's message as the buyer receives it (their reply goes to the realtor's address)."""
    footer = f"Sent by {tour.realtor_name or 'your realtor'} through RealtyForYou after your tour of {_place(tour)}."
    if tour.realtor_email:
        footer += f" Reply to {tour.realtor_email}."
    text = f"{follow_up.body}\n\n--\n{footer}\n"
    paragraphs = "".join(
        "<p>" + escape(part).replace("\n", "<br>") + "</p>" for part in follow_up.body.split("\n\n") if part.strip()
    )
    html = f"{paragraphs}<hr><p><small>{escape(footer)}</small></p>"
    return Email(to=[tour.buyer_email] if tour.buyer_email else [], subject=follow_up.subject, text=text, html=html)
