"""The offline answer (realty.questions.retrieval) and the check of a model's citations: pure functions."""

from __future__ import annotations

import pytest

from realty.processing.models import NoteView, Segment
from realty.questions import answering, retrieval
from realty.questions.models import NOT_DISCUSSED, LlmAnswer, LlmCitation

TOUR = [
    Segment(start_ms=0, end_ms=4_000, text="Welcome to 12 Maple Street, come on in.", speaker="realtor"),
    Segment(start_ms=4_000, end_ms=7_000, text="Is the roof new?", speaker="buyer", speaker_name="Bo"),
    Segment(start_ms=7_000, end_ms=10_000, text="It was replaced in 2019.", speaker="realtor", speaker_name="Rita"),
    Segment(start_ms=10_000, end_ms=14_000, text="The kitchen counters are quartz.", speaker="realtor"),
    Segment(start_ms=14_000, end_ms=18_000, text="I'm worried about the damp smell downstairs.", speaker="buyer"),
    Segment(start_ms=18_000, end_ms=22_000, text="The garages hold two cars.", speaker="unknown"),
]


@pytest.mark.parametrize(
    ("word", "stem"),
    [("garages", "garag"), ("garage", "garag"), ("leaking", "leak"), ("leaked", "leak"), ("properties", "property"),
     ("priced", "pric"), ("price", "pric"), ("Café", "caf"), ("glass", "glass")],
)  # fmt: skip
def test_words_meet_whatever_their_ending_case_or_accent(word, stem):
    assert retrieval.terms(word) == [stem]


def test_stop_words_and_the_words_of_any_question_about_a_tour_carry_no_weight():
    assert retrieval.terms("What did the realtor say about the roof?") == ["roof"]


@pytest.mark.parametrize(
    ("question", "cited"),
    [
        ("When was the roof replaced?", [7_000]),  # the reply to the question asked in the tour, not the question
        ("What are the counters made of?", [10_000]),
        ("How many cars fit in the garage?", [18_000]),
        ("Any damp?", [14_000]),
    ],
)
def test_an_answer_cites_the_segments_that_hold_it(question, cited):
    answer = retrieval.answer_question(question, TOUR, [])

    assert answer.discussed is True
    assert [m.timestamp_ms for m in answer.cited_moments] == cited
    assert answer.model == retrieval.RETRIEVAL_MODEL


@pytest.mark.parametrize("question", ["Is there a swimming pool?", "What are the property taxes?", "Hello there"])
def test_what_the_tour_never_touched_is_not_discussed(question):
    answer = retrieval.answer_question(question, TOUR, [])

    assert (answer.discussed, answer.answer, answer.cited_moments) == (False, NOT_DISCUSSED, [])


def test_a_cited_moment_says_who_said_it_and_the_answer_names_them():
    answer = retrieval.answer_question("When was the roof replaced?", TOUR, [])

    [reply] = answer.cited_moments
    assert (reply.quote, reply.end_ms, reply.speaker, reply.speaker_name) == (
        "It was replaced in 2019.",
        10_000,
        "realtor",
        "Rita",
    )
    assert 'Rita at 0:07: "It was replaced in 2019."' in answer.answer
    assert 'Bo asked at 0:04: "Is the roof new?"' in answer.answer  # what "it" is


def test_a_question_heard_without_punctuation_is_answered_by_its_reply():
    # Offline speech recognition writes no "?": the question is known by its words.
    tour = [
        Segment(start_ms=0, end_ms=3_000, text="the stairs feel steep is there a basement", speaker="buyer"),
        Segment(start_ms=3_000, end_ms=6_000, text="yes it is finished with a laundry room", speaker="realtor"),
    ]

    answer = retrieval.answer_question("Is there a basement?", tour, [])

    assert [m.timestamp_ms for m in answer.cited_moments] == [3_000]


def test_a_note_answers_without_being_a_moment_of_the_recording():
    notes = [NoteView(id="n1", content="Seller leaves the washer and dryer", timestamp_ms=65_000)]

    answer = retrieval.answer_question("Does the washer stay?", TOUR, notes)

    assert answer.discussed is True
    assert answer.cited_moments == []
    assert 'A note at 1:05: "Seller leaves the washer and dryer"' in answer.answer


def test_the_same_inputs_give_the_same_answer():
    first = retrieval.answer_question("roof kitchen garage", TOUR, [])
    again = retrieval.answer_question("roof kitchen garage", list(TOUR), [])

    assert first == again
    assert len(first.cited_moments) <= 5


def test_nothing_to_search_is_not_discussed():
    assert retrieval.answer_question("Is the roof new?", [], []).discussed is False
    assert answering.answer("Is the roof new?", [], []).discussed is False


# ---------------------------------------------------------------- checking a model's answer


def _checked(citations: list[tuple[int, str]], *, discussed: bool = True, notes: list[int] | None = None):
    raw = LlmAnswer(
        discussed=discussed,
        answer="The roof was replaced in 2019.",
        citations=[LlmCitation(start_ms=start, quote=quote) for start, quote in citations],
        notes=notes or [],
    )
    return answering.checked(raw, TOUR, [NoteView(id="n1", content="roof looked fine")], model="gpt-test")


def test_a_citation_counts_only_at_a_real_segment_start_with_its_real_words():
    answer = _checked([(7_000, "Replaced in 2019"), (7_001, "replaced"), (4_000, "the roof is brand new")])

    assert [(m.timestamp_ms, m.quote) for m in answer.cited_moments] == [
        (4_000, "Is the roof new?"),  # not what was said: the segment's own words are quoted
        (7_000, "Replaced in 2019"),
    ]


def test_an_answer_with_nothing_real_behind_it_is_not_discussed():
    assert _checked([(123, "made up")]).answer == NOT_DISCUSSED
    assert _checked([], notes=[5]).discussed is False
    assert _checked([], notes=[1]).discussed is True  # a note it was given
    assert _checked([(7_000, "x")], discussed=False).cited_moments == []


def test_a_long_transcript_sends_the_parts_that_match_the_question():
    long = [Segment(start_ms=i * 1000, end_ms=i * 1000 + 900, text=f"Filler sentence number {i}.") for i in range(200)]
    long[120] = Segment(start_ms=120_000, end_ms=120_900, text="The boiler was serviced last May.")

    sent = answering.select_segments("When was the boiler serviced?", long, max_chars=200)

    assert [s.start_ms for s in sent] == [119_000, 120_000, 121_000]
    assert answering.select_segments("anything", long[:3], max_chars=10_000) == long[:3]
