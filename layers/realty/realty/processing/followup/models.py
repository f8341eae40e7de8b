"""Follow-up drafts and interest per listing: what is stored, what the routes take and return."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from realty.core.models import Model
from realty.core.types import SINGLE_LINE, Omittable

SUBJECT_MAX_CHARS = 200
BODY_MAX_CHARS = 5000

# ---------------------------------------------------------------- the follow-up


class FollowUpStatus(StrEnum):
    DRAFT = "draft"  # the realtor may edit it; the buyer does not see it
    SENT = "sent"  # emailed to the buyer once; kept as sent, no longer editable


class FollowUpContent(Model):
    subject: str
    body: str


class StoredFollowUp(FollowUpContent):
    """`TOUR#<id>` / `FOLLOWUP`: the realtor's message to the buyer after the tour."""

    model_config = ConfigDict(extra="ignore")

    tour_id: str
    realtor_id: str
    buyer_id: str
    status: FollowUpStatus = FollowUpStatus.DRAFT
    # Which provider wrote the draft (the chat model or `template-v1`); the realtor's edits keep it.
    model: str
    attempt: int
    # True once the realtor changed it: a reprocess then leaves it alone.
    edited: bool = False
    version: int = 1
    created_at: str
    updated_at: str
    sent_at: str | None = None
    sent_by: str | None = None


class FollowUpAttributes(Model):
    status: FollowUpStatus
    subject: str
    body: str
    model: str | None = Field(default=None, description="who wrote the draft (the realtor's side only)")
    edited: bool | None = Field(default=None, description="the realtor changed the draft (the realtor's side only)")
    created_at: str | None = None
    updated_at: str | None = None
    sent_at: str | None = None


Subject = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=SUBJECT_MAX_CHARS, pattern=SINGLE_LINE),
]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=BODY_MAX_CHARS)]


class UpdateFollowUpRequest(Model):
    """The realtor's edit of the draft: the fields given change (neither may be null)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    subject: Omittable[Subject] = None
    body: Omittable[Body] = None


class LlmFollowUp(Model):
    subject: str = Field(description="one line")
    body: str = Field(description="the message to the buyer, plain text, signed by the realtor")


# ---------------------------------------------------------------- interest per listing


class InterestEntry(Model):
    """One thing a buyer liked, worried about or asked, with its moment when it has one."""

    text: str
    timestamp_ms: int | None = None


class StoredInterest(Model):
    """`PROPERTY#<property_id>` / `INTEREST#<tour_id>`: one tour's part of its listing's interest.

    Written by processing when the tour is processed (replaced by a reprocess, `answered` kept), or
    as a stub (`processed: false`) when its processing failed."""

    model_config = ConfigDict(extra="ignore")

    property_id: str
    tour_id: str
    processed: bool = False
    scheduled_at: str | None = None
    buyer_name: str | None = None
    likes: list[InterestEntry] = Field(default_factory=list)
    concerns: list[InterestEntry] = Field(default_factory=list)
    questions: list[InterestEntry] = Field(default_factory=list)
    # question key -> when and by whom it was marked answered
    answered: dict[str, dict[str, str]] = Field(default_factory=dict)
    updated_at: str | None = None


class Moment(Model):
    tour_id: str
    timestamp_ms: int | None = None
    link: str = Field(description="the tour's results page in the web app, opened at the moment")
    text: str = Field(description="what was said or noted there")
    scheduled_at: str | None = None


class Theme(Model):
    theme: str
    count: int = Field(description="how many times it came up")
    tours: int = Field(description="in how many tours")
    moments: list[Moment]


class InterestQuestion(Model):
    id: str
    text: str
    tour_id: str
    timestamp_ms: int | None = None
    link: str
    scheduled_at: str | None = None
    answered: bool
    answered_at: str | None = None


class InterestAttributes(Model):
    tours: int = Field(description="tours of the listing whose recording was processed or failed to process")
    processed_tours: int
    likes: list[Theme]
    concerns: list[Theme]
    open_questions: list[InterestQuestion]
    answered_questions: list[InterestQuestion]


class AnswerQuestionRequest(Model):
    model_config = ConfigDict(extra="forbid")

    answered: bool
