"""Who said each segment of a tour: the realtor, the buyer, or `unknown`, from the signals on hand.

Run once over the whole merged transcript (never per chunk), so that one person keeps one label
across the chunks of a long tour. The signals, strongest first:

- `diarization`: the diarizing transcription model named the speaker of the segment directly
  (known-speaker reference clips make its labels the participants' roles). Without references
  its labels (`A`, `B`) are only groups within one chunk: they are mapped to roles like voices.
- `timeline`: the Chime meeting's `ActiveSpeaker` events (the capture's meeting-events file) say
  which attendee was speaking over most of the segment; the call's attendees map to the tour's
  realtor and buyer.
- `voice`: the tour's utterances clustered by pitch into two voices (`realty.processing.voice`);
  a voice (or a chunk's diarizer label) takes the role that the timeline and the words of its
  segments vote for, and the two voices never take the same role (a tie: the voice that opened the
  tour is the realtor's, who welcomes the buyer).
- `words`: what is said: the realtor welcomes, describes and promises documents, the buyer asks
  "do you", "is there", says "I love", "our budget".

A segment no signal decides stays `unknown` with confidence 0. Every decided segment records the
method and a confidence (0-1).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from realty.processing.models import Segment, SpeakerRole
from realty.processing.voice import two_voices

DIARIZATION = "diarization"
TIMELINE = "timeline"
VOICE = "voice"
WORDS = "words"

# The share of a segment one attendee must be the active speaker for the timeline to decide it.
TIMELINE_MIN_SHARE = 0.6

_REALTOR_WORDS = re.compile(
    r"\b(welcome|thank you for coming|let (?:us|me|'s) (?:go|show|start)|let me|you(?:'ll| will) (?:notice|see|find)"
    r"|this is the|it has|it was (?:built|renovated|updated)|(?:was|were) (?:renovated|replaced|updated|repaired)"
    r"|the seller|the sellers|the owners?|asking price|listed at|i will send|i'll send|i can send|disclosures?"
    r"|comes with|includes|of course|feel free|as you can see|schedule the inspection|the inspection can)\b",
    re.IGNORECASE,
)
_BUYER_WORDS = re.compile(
    r"\b(do you|does (?:it|the|this)|did (?:the|they)|is there|are there|how (?:many|much|old|long)|what about"
    r"|can we|could we|we would|we'd|we will|we'll|our budget|our kids|my (?:wife|husband|partner|kids)"
    r"|i love|i like|i really like|we love|i'm worried|i am worried|i worry|i can (?:still )?see|i noticed"
    r"|i'm not sure|i am not sure|make an offer|for us|talk it over)\b",
    re.IGNORECASE,
)
_WORDS_CONFIDENCE = 0.55
# The weight of "the realtor speaks first", used only to break a tie between the two voices.
OPENER_VOTE = 0.5


@dataclass(frozen=True)
class Participants:
    """The tour's two people, by role, as the labels name them."""

    realtor_name: str | None = None
    buyer_name: str | None = None

    def name(self, role: SpeakerRole) -> str | None:
        if role is SpeakerRole.REALTOR:
            return self.realtor_name
        if role is SpeakerRole.BUYER:
            return self.buyer_name
        return None


@dataclass(frozen=True)
class SpeakingSpan:
    """A stretch of the recording in which the meeting reported one attendee as the active speaker."""

    start_ms: int
    end_ms: int
    role: SpeakerRole


@dataclass(frozen=True)
class Evidence:
    """What the transcription step measured about one segment, besides its words."""

    pitch_hz: float | None = None
    # The diarizer's label: a role when known-speaker references were sent, else a chunk-local group.
    diarized_role: SpeakerRole | None = None
    diarized_group: str | None = None


@dataclass
class _Decision:
    role: SpeakerRole = SpeakerRole.UNKNOWN
    method: str | None = None
    confidence: float = 0.0


def words_score(text: str) -> int:
    """> 0: sounds like the buyer; < 0: like the realtor; 0: the words do not tell."""
    return len(_BUYER_WORDS.findall(text)) - len(_REALTOR_WORDS.findall(text))


def _timeline_role(segment: Segment, spans: Sequence[SpeakingSpan]) -> tuple[SpeakerRole, float] | None:
    length = max(segment.end_ms - segment.start_ms, 1)
    shares: dict[SpeakerRole, int] = defaultdict(int)
    for span in spans:
        overlap = min(span.end_ms, segment.end_ms) - max(span.start_ms, segment.start_ms)
        if overlap > 0:
            shares[span.role] += overlap
    if not shares:
        return None
    role, covered = max(shares.items(), key=lambda item: item[1])
    share = covered / length
    return (role, share) if share >= TIMELINE_MIN_SHARE else None


def _group_roles(votes: dict[str, float]) -> dict[str, tuple[SpeakerRole, float]]:
    """Each group's role from its vote (> 0 buyer, < 0 realtor) and how clear the vote is (0-1).

    Two voices of one tour are two people: when both lean the same way, the one leaning less is the
    other role. A group with no vote at all stays undecided."""
    decided: dict[str, tuple[SpeakerRole, float]] = {}
    for group, vote in votes.items():
        if vote:
            decided[group] = (SpeakerRole.BUYER if vote > 0 else SpeakerRole.REALTOR, min(abs(vote) / 3, 1.0))
    voices = [g for g in votes if g.startswith("voice:")]
    if len(voices) == 2:
        first, second = voices
        if votes[first] == votes[second]:
            return {g: r for g, r in decided.items() if g not in voices}
        buyer, realtor = (first, second) if votes[first] > votes[second] else (second, first)
        clarity = min(abs(votes[first] - votes[second]) / 3, 1.0)
        decided[buyer] = (SpeakerRole.BUYER, clarity)
        decided[realtor] = (SpeakerRole.REALTOR, clarity)
    return decided


def label(
    segments: Sequence[Segment],
    evidence: Sequence[Evidence],
    *,
    participants: Participants,
    timeline: Sequence[SpeakingSpan] = (),
) -> list[Segment]:
    """The segments with `speaker`, `speaker_name`, `speaker_method` and `speaker_confidence` set."""
    if len(evidence) != len(segments):
        evidence = list(evidence)[: len(segments)] + [Evidence()] * (len(segments) - len(evidence))
    decisions = [_Decision() for _ in segments]
    voices = two_voices([e.pitch_hz for e in evidence])
    groups: list[str | None] = []
    for index, item in enumerate(evidence):
        if item.diarized_group:
            groups.append(f"diarized:{item.diarized_group}")
        elif voices.voice[index] is not None:
            groups.append(f"voice:{voices.voice[index]}")
        else:
            groups.append(None)

    votes: dict[str, float] = defaultdict(float)
    for index, (segment, item) in enumerate(zip(segments, evidence, strict=True)):
        timed = _timeline_role(segment, timeline) if timeline else None
        if item.diarized_role in (SpeakerRole.REALTOR, SpeakerRole.BUYER):
            decisions[index] = _Decision(item.diarized_role, DIARIZATION, 0.9)
        elif timed is not None:
            decisions[index] = _Decision(timed[0], TIMELINE, round(0.95 * timed[1], 3))
        group = groups[index]
        if group is None:
            continue
        votes.setdefault(group, 0.0)
        if decisions[index].method is not None:
            # A decided segment is strong evidence for its whole group.
            votes[group] += 3 if decisions[index].role is SpeakerRole.BUYER else -3
        else:
            score = words_score(segment.text)
            votes[group] += max(min(score, 2), -2)
    # A tie between the two voices is broken by who opened the tour: the realtor welcomes the buyer.
    opener = next((g for g in groups if g is not None and g.startswith("voice:")), None)
    voice_votes = [v for g, v in votes.items() if g.startswith("voice:")]
    if opener is not None and len(voice_votes) == 2 and voice_votes[0] == voice_votes[1]:
        votes[opener] -= OPENER_VOTE
    roles = _group_roles(dict(votes))

    for index, segment in enumerate(segments):
        if decisions[index].method is not None:
            continue
        group = groups[index]
        if group is not None and group in roles:
            role, clarity = roles[group]
            measured = voices.confidence[index] if group.startswith("voice:") else 0.8
            method = VOICE if group.startswith("voice:") else DIARIZATION
            decisions[index] = _Decision(role, method, round(max(0.3, min(0.95, 0.5 + 0.45 * clarity * measured)), 3))
            continue
        score = words_score(segment.text)
        if score:
            role = SpeakerRole.BUYER if score > 0 else SpeakerRole.REALTOR
            decisions[index] = _Decision(role, WORDS, _WORDS_CONFIDENCE)

    labelled = []
    for segment, decision in zip(segments, decisions, strict=True):
        decided = decision.method is not None
        labelled.append(
            segment.model_copy(
                update={
                    "speaker": decision.role,
                    "speaker_name": participants.name(decision.role),
                    "speaker_method": decision.method,
                    "speaker_confidence": decision.confidence if decided else 0.0,
                }
            )
        )
    return labelled


def speaker_prefix(segment: Segment) -> str:
    """`Dana (buyer)`, `realtor`, or `unknown speaker`: who said a line, as prompts and quotes name them."""
    role = segment.speaker or SpeakerRole.UNKNOWN
    if role is SpeakerRole.UNKNOWN:
        return "unknown speaker"
    return f"{segment.speaker_name} ({role.value})" if segment.speaker_name else role.value


def role_of(value: str | None) -> SpeakerRole | None:
    """A role from a diarizer's or attendee's label (`realtor`, `Buyer`...), None for anything else."""
    text = (value or "").strip().lower()
    for role in (SpeakerRole.REALTOR, SpeakerRole.BUYER):
        if text == role.value:
            return role
    return None
