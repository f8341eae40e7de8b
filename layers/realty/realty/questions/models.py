"""Questions about a tour: the request, the answer with its cited moments, what is stored and listed."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from realty.core.models import Model
from realty.core.types import SINGLE_LINE
from realty.tours.models import SpeakerRole

QUESTION_MIN_CHARS = 3
QUESTION_MAX_CHARS = 500
# What every "nothing in the tour supports an answer" says, whichever provider decided it.
NOT_DISCUSSED = "Not discussed in this tour."
# At most this many moments back an answer (the offline and the OpenAI path alike).
MAX_CITED_MOMENTS = 5
QUOTE_MAX_CHARS = 400
ANSWER_MAX_CHARS = 2000

QuestionText = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=QUESTION_MIN_CHARS, max_length=QUESTION_MAX_CHARS, pattern=SINGLE_LINE
    ),
]


class AskRequest(Model):
    model_config = ConfigDict(extra="forbid")

    question: QuestionText = Field(description="one line, e.g. What did we say about the roof?")


class CitedMoment(Model):
    """A moment of the recording that backs the answer: always one of the transcript's own segments."""

    timestamp_ms: int = Field(description="where the segment starts in the recording (seek the player here)")
    end_ms: int | None = None
    quote: str = Field(description="the words said there, verbatim")
    speaker: SpeakerRole | None = Field(default=None, description="who said them, when the transcript knows")
    speaker_name: str | None = None


class Answer(Model):
    """An answer, grounded in the transcript and the notes the asker may see, and who wrote it."""

    discussed: bool
    answer: str
    cited_moments: list[CitedMoment]
    model: str


class StoredQuestion(Answer):
    """`QUESTIONS#<tour_id>#<user_id>` / `<created_at>#<id>`: one question its asker asked, and its answer."""

    model_config = ConfigDict(extra="ignore")

    id: str
    tour_id: str
    user_id: str
    asker_role: str
    question: str
    created_at: str


class QuestionAttributes(Model):
    question: str
    discussed: bool = Field(description=f'false: nothing in the tour supports an answer ("{NOT_DISCUSSED}")')
    answer: str
    cited_moments: list[CitedMoment]
    model: str = Field(description="what answered: the OpenAI model, or the offline retrieval")
    asker_role: str
    created_at: str


# ---------------------------------------------------------------- the structured LLM output
# Strict structured outputs: every field required, no numeric or length constraints; the values are
# checked against the transcript and notes after parsing (realty.questions.answering).


class LlmCitation(Model):
    start_ms: int = Field(description="start_ms of the transcript line, exactly as given")
    quote: str = Field(description="the words of that line that support the answer, verbatim")


class LlmAnswer(Model):
    discussed: bool = Field(description="false when the transcript and notes do not answer the question")
    answer: str = Field(description="one to three sentences; empty when not discussed")
    citations: list[LlmCitation]
    notes: list[int] = Field(description="numbers of the notes the answer uses")
