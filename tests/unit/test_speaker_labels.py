"""Who said what: the speaker labelling's signals, and what highlights and the summary make of the labels."""

from __future__ import annotations

from realty.processing import highlights, offline, speakers, timeline
from realty.processing.models import NoteView, Segment, SpeakerRole
from realty.processing.windows import transcript_lines
from tools.eval import highlight_scores, speaker_accuracy

DANA = speakers.Participants(realtor_name="Riley", buyer_name="Dana")
LOW, HIGH = 110.0, 190.0  # a lower and a higher voice, in Hz


def _segments(*texts: str, every_ms: int = 5_000) -> list[Segment]:
    return [Segment(start_ms=i * every_ms, end_ms=i * every_ms + every_ms - 500, text=t) for i, t in enumerate(texts)]


def _labelled(*lines: tuple[SpeakerRole, str], every_ms: int = 20_000) -> list[Segment]:
    return [
        Segment(
            start_ms=i * every_ms,
            end_ms=i * every_ms + 4_000,
            text=text,
            speaker=role,
            speaker_name=DANA.name(role),
            speaker_method="voice",
            speaker_confidence=0.9,
        )
        for i, (role, text) in enumerate(lines)
    ]


def test_two_voices_take_the_roles_their_words_vote_for_across_the_whole_tour():
    segments = _segments(
        "Welcome to the house, it has three bedrooms.",
        "How many bathrooms are there?",
        "Two bathrooms, and the kitchen was renovated.",
        "I love the kitchen.",
        "okay",  # says nothing either way: its voice decides
        "yes",
    )
    pitches = [LOW, HIGH, LOW, HIGH, HIGH, LOW]

    labelled = speakers.label(segments, [speakers.Evidence(pitch_hz=p) for p in pitches], participants=DANA)

    assert [s.speaker for s in labelled] == ["realtor", "buyer", "realtor", "buyer", "buyer", "realtor"]
    assert {s.speaker_method for s in labelled} == {"voice"}
    assert labelled[1].speaker_name == "Dana" and labelled[0].speaker_name == "Riley"
    assert all(0.3 <= (s.speaker_confidence or 0) <= 0.95 for s in labelled)


def test_the_higher_voice_is_not_assumed_to_be_the_buyer():
    segments = _segments("Welcome, let me show you the garden.", "Is there a garage?", "Of course, it has two spaces.")

    labelled = speakers.label(segments, [speakers.Evidence(pitch_hz=p) for p in (HIGH, LOW, HIGH)], participants=DANA)

    assert [s.speaker for s in labelled] == ["realtor", "buyer", "realtor"]


def test_without_voices_the_words_decide_and_silence_of_every_signal_is_unknown():
    segments = _segments("Do you know how old the roof is?", "Welcome, this is the kitchen.", "Hmm, okay.")

    labelled = speakers.label(segments, [speakers.Evidence()] * 3, participants=DANA)

    assert [(s.speaker, s.speaker_method) for s in labelled] == [
        ("buyer", "words"),
        ("realtor", "words"),
        ("unknown", None),
    ]
    assert labelled[2].speaker_confidence == 0.0 and labelled[2].speaker_name is None


def test_the_meeting_timeline_decides_first_and_teaches_the_voices():
    segments = _segments("okay", "sure", "right", "fine")
    spans = [speakers.SpeakingSpan(start_ms=0, end_ms=4_500, role=SpeakerRole.BUYER)]

    labelled = speakers.label(
        segments, [speakers.Evidence(pitch_hz=p) for p in (HIGH, LOW, HIGH, LOW)], participants=DANA, timeline=spans
    )

    assert (labelled[0].speaker, labelled[0].speaker_method) == ("buyer", "timeline")
    # No words to go by: the higher voice is the buyer's because the meeting said so once.
    assert [s.speaker for s in labelled[1:]] == ["realtor", "buyer", "realtor"]
    assert {s.speaker_method for s in labelled[1:]} == {"voice"}


def test_a_diarizer_with_reference_clips_names_roles_and_without_them_groups_per_chunk():
    segments = _segments("okay", "sure", "Welcome in, it has a garage.", "okay")
    evidence = [
        speakers.Evidence(diarized_role=SpeakerRole.REALTOR),
        speakers.Evidence(diarized_role=SpeakerRole.BUYER),
        speakers.Evidence(diarized_group="1:A"),
        speakers.Evidence(diarized_group="1:A"),
    ]

    labelled = speakers.label(segments, evidence, participants=DANA)

    assert [(s.speaker, s.speaker_method) for s in labelled] == [
        ("realtor", "diarization"),
        ("buyer", "diarization"),
        ("realtor", "diarization"),
        ("realtor", "diarization"),
    ]


def test_chime_meeting_events_become_speaking_spans_of_the_tours_people():
    texts = [
        "\n".join(
            [
                '{"Timestamp": "2027-03-01T10:00:00.000Z", "EventType": "CaptureStarted", "EventParameters": {}}',
                '{"Timestamp": "2027-03-01T10:00:02.000Z", "EventType": "ActiveSpeaker",'
                ' "EventParameters": {"AttendeeId": "att-r"}}',
                "not json",
                '{"Timestamp": "2027-03-01T10:00:07.500Z", "EventType": "ActiveSpeaker",'
                ' "EventParameters": {"AttendeeId": "att-x", "ExternalUserId": "user-b"}}',
                '{"Timestamp": "2027-03-01T10:00:09.000Z", "EventType": "AttendeeLeft", "EventParameters": {}}',
                '{"Timestamp": "2027-03-01T10:00:12.000Z", "EventType": "CaptureEnded", "EventParameters": {}}',
            ]
        )
    ]

    spans = timeline.speaking_spans(
        timeline.parse_events(texts),
        attendee_roles={"att-r": SpeakerRole.REALTOR},
        user_roles={"user-b": SpeakerRole.BUYER},
    )

    assert spans == [
        speakers.SpeakingSpan(start_ms=2_000, end_ms=7_500, role=SpeakerRole.REALTOR),
        speakers.SpeakingSpan(start_ms=7_500, end_ms=12_000, role=SpeakerRole.BUYER),
    ]


def test_the_rules_summary_keeps_the_buyers_likes_and_worries_attributed_and_not_the_realtors_praise():
    segments = _labelled(
        (SpeakerRole.REALTOR, "The kitchen is beautiful and spacious."),
        (SpeakerRole.BUYER, "I love the garden."),
        (SpeakerRole.REALTOR, "There was a small leak in the basement, it was repaired."),
        (SpeakerRole.BUYER, "I can see a water stain near the wall."),
        (SpeakerRole.BUYER, "Are there HOA fees?"),
        (SpeakerRole.REALTOR, "I will send you the disclosures tomorrow."),
    )

    summary = offline.rule_summary(segments, [], duration_ms=120_000)

    assert summary.liked == ["Dana (buyer): I love the garden."]
    assert summary.concerns == ["Dana (buyer): I can see a water stain near the wall."]
    assert summary.questions_for_seller == ["Dana (buyer): Are there HOA fees?"]
    assert summary.next_steps == ["Riley (realtor): I will send you the disclosures tomorrow."]


def test_highlights_say_who_spoke_and_a_pitch_and_a_reaction_are_two_moments():
    segments = _labelled(
        (SpeakerRole.REALTOR, "The kitchen was renovated last year."),
        (SpeakerRole.BUYER, "I love the kitchen."),
        every_ms=5_000,
    )
    note = NoteView(id="n1", content="Roof looks worn", tag="concern", timestamp_ms=7_000, author_role="buyer")

    found, _ = highlights.detect(
        segments, [note], duration_ms=20_000, use_llm=False, time_left=lambda: 60.0, participants=DANA
    )

    assert [(h.highlight_type.value, h.speaker, h.speaker_name, h.source.value) for h in found] == [
        ("feature", "realtor", "Riley", "ai"),
        ("feature", "buyer", "Dana", "ai"),
        ("concern", "buyer", "Dana", "note"),
    ]


def test_prompt_lines_name_the_speaker_and_older_transcripts_stay_as_they_were():
    labelled = _labelled((SpeakerRole.BUYER, "I love it."), (SpeakerRole.UNKNOWN, "mm"))
    labelled[1] = labelled[1].model_copy(update={"speaker_name": None})

    assert transcript_lines(labelled) == "[0] Dana (buyer): I love it.\n[20000] unknown speaker: mm"
    assert transcript_lines(_segments("Hello.")) == "[0] Hello."


def test_the_eval_scores_words_by_the_turn_they_were_spoken_in():
    turns = [
        {"speaker": "realtor", "start_ms": 0, "end_ms": 4_000, "text": "Welcome to the house."},
        {"speaker": "buyer", "start_ms": 20_000, "end_ms": 24_000, "text": "I love the kitchen."},
    ]
    said = [
        Segment(start_ms=0, end_ms=4_000, text="the kitchen is great", speaker=SpeakerRole.REALTOR),
        Segment(start_ms=20_000, end_ms=24_000, text="i love the kitchen", speaker=SpeakerRole.REALTOR),
    ]

    assert speaker_accuracy(said, turns) == {"words": 8, "right": 4, "unknown": 0, "accuracy": 0.5}
    found, _ = highlights.detect(
        [s.model_copy(update={"speaker": SpeakerRole.BUYER}) for s in said],
        [],
        duration_ms=30_000,
        use_llm=False,
        time_left=lambda: 60.0,
    )
    scores = highlight_scores(found, turns, {"likes": [1], "concerns": [], "questions": []})
    assert scores["likes"]["recall"] == 1.0 and scores["likes"]["precision"] == 0.5


def test_two_voices_whose_words_tie_take_their_roles_from_who_opened_the_tour():
    segments = _segments("the three floors", "there is a field", "yes the laundry room", "i love the light")

    labelled = speakers.label(
        segments, [speakers.Evidence(pitch_hz=p) for p in (LOW, HIGH, LOW, HIGH)], participants=DANA
    )

    assert [s.speaker for s in labelled] == ["realtor", "buyer", "realtor", "buyer"]


def test_a_worry_said_aloud_is_a_concern():
    assert offline.classify("The street is loud at night, I am worried about it.").kind.value == "concern"


def test_the_llm_reads_who_said_each_line_and_its_highlights_take_that_speaker(monkeypatch):
    from realty.adapters import openai as openai_adapter
    from realty.processing.models import LlmHighlight, LlmHighlights, LlmSummary

    sent: list[str] = []

    def parse(*, system, user, schema, model, timeout):
        sent.append(system + "\n" + user)
        if schema is LlmHighlights:
            return LlmHighlights(
                highlights=[
                    LlmHighlight(timestamp_ms=0, highlight_type="feature", note="Renovated kitchen", quote="q"),
                    LlmHighlight(timestamp_ms=21_000, highlight_type="feature", note="Loves the garden", quote="q"),
                ]
            )
        return LlmSummary(
            overview="o", liked=["Dana (buyer): the garden"], concerns=[], questions_for_seller=[], next_steps=[]
        )

    monkeypatch.setattr(openai_adapter, "parse", parse)
    segments = _labelled((SpeakerRole.REALTOR, "The kitchen was renovated."), (SpeakerRole.BUYER, "I love the garden."))

    found = highlights.llm_highlights(segments, duration_ms=30_000, time_left=lambda: 60.0)
    from realty.processing import summary

    content = summary.llm_summary(segments, [], time_left=lambda: 60.0)

    assert [(h.note, h.speaker, h.speaker_name) for h in found] == [
        ("Renovated kitchen", "realtor", "Riley"),
        ("Loves the garden", "buyer", "Dana"),
    ]
    assert "[0] Riley (realtor): The kitchen was renovated.\n[20000] Dana (buyer): I love the garden." in sent[0]
    assert "the realtor's praise is not a buyer like" in sent[1]
    assert content.liked == ["Dana (buyer): the garden"]
