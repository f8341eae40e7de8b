"""`make eval`: how well the tour intelligence does on a labelled set, measured, not hoped.

    python -m tools.eval [--regenerate] [--only ID] [--out eval/results.json]

The set (`eval/conversations.json`) is tour conversations written for it: every turn has its
speaker, and the turns where the buyer states a like, a concern or a question for the seller are
marked, as are questions asked of the tour afterwards with the turns that answer them. Each
conversation is spoken by two espeak-ng voices (`eval/audio/<id>.mp3`, committed, with the times of
its turns in `<id>.turns.json`); `--regenerate`, or a missing file, makes them again (espeak-ng is
installed with apt-get when missing, as `tools.web` installs Chromium).

Every conversation goes through the offline providers (pocketsphinx, the speaker labelling, the
rules), and, when `OPENAI_API_KEY` is set, through OpenAI too (the configured transcription model,
`TRANSCRIPTION_MODEL`, and the chat model). Printed and written to `eval/results.json`:

- speaker accuracy by word: the share of transcribed words whose segment has the speaker of the
  turn it was spoken in;
- highlight recall and precision per planted type (like = a feature highlight, concern, question),
  counting only highlights attributed to the buyer, at the planted turn;
- summary concerns: the planted concerns the summary's `concerns` list holds, attributed;
- `answer_citation_accuracy`: the share of the questions asked of the tour whose answer (the route's
  own answer function for the provider: retrieval offline, the model with OpenAI) cites only moments
  inside the turns that answer it, or cites nothing when the question was not discussed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT / "eval" / "conversations.json"
AUDIO = ROOT / "eval" / "audio"
RESULTS = ROOT / "eval" / "results.json"

# The demo recording's two voices (scripts/make_sample_recording.sh), about 80 Hz apart.
VOICES = {"realtor": ("en-us+m3", 150, 50), "buyer": ("en-us+f2", 160, 50)}  # voice, words a minute, pitch
PAUSE_MS = 900
RATE = 16_000
# A highlight at a planted turn may point up to this much before the turn's first word.
SLACK_MS = 1_000
TARGET_SPEAKER_ACCURACY = 0.9
PLANTED_TYPES = {"likes": "feature", "concerns": "concern", "questions": "question"}

# (question, transcript segments, notes) -> the cited timestamps (ms); empty: "not discussed".
AnswerFunction = Callable[[str, Sequence[Any]], list[int]]


class EvalError(RuntimeError):
    pass


# ---------------------------------------------------------------- making the audio


def ensure_espeak() -> str:
    found = shutil.which("espeak-ng")
    if found:
        return found
    apt = shutil.which("apt-get")
    if not apt:
        raise EvalError("espeak-ng is not installed and there is no apt-get to install it")
    prefix: list[str] = []
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        sudo = shutil.which("sudo")
        if not sudo:
            raise EvalError("espeak-ng is missing: apt-get install -y espeak-ng (as root)")
        prefix = [sudo, "-n"]
    subprocess.run([*prefix, apt, "install", "-y", "espeak-ng"], check=True, capture_output=True, timeout=600)  # noqa: S603
    found = shutil.which("espeak-ng")
    if not found:
        raise EvalError("apt-get did not install espeak-ng")
    return found


def _ffmpeg() -> str:
    from realty.processing.audio import ffmpeg_exe

    return ffmpeg_exe()


def generate(conversation: dict[str, Any], out_dir: Path = AUDIO) -> tuple[Path, list[dict[str, Any]]]:
    """The conversation spoken by two voices, a pause between turns: `<id>.mp3` and `<id>.turns.json`."""
    espeak = ensure_espeak()
    out_dir.mkdir(parents=True, exist_ok=True)
    pcm = bytearray()
    turns = []
    with tempfile.TemporaryDirectory() as scratch:
        for index, (speaker, text) in enumerate(conversation["turns"]):
            voice, speed, pitch = VOICES[speaker]
            raw = Path(scratch) / f"turn-{index}.wav"
            subprocess.run(  # noqa: S603
                [espeak, "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(raw), text], check=True, timeout=60
            )
            converted = Path(scratch) / f"turn-{index}-16k.wav"
            subprocess.run(  # noqa: S603
                [
                    _ffmpeg(),
                    "-nostdin",
                    "-loglevel",
                    "error",
                    "-y",
                    "-i",
                    str(raw),
                    "-ac",
                    "1",
                    "-ar",
                    str(RATE),
                    str(converted),
                ],
                check=True,
                timeout=60,
            )
            with wave.open(str(converted)) as spoken:
                frames = spoken.readframes(spoken.getnframes())
            start = len(pcm) // 2 * 1000 // RATE
            pcm += frames
            turns.append({"speaker": speaker, "start_ms": start, "end_ms": len(pcm) // 2 * 1000 // RATE, "text": text})
            pcm += bytes(2 * RATE * PAUSE_MS // 1000)
        audio = out_dir / f"{conversation['id']}.mp3"
        subprocess.run(  # noqa: S603
            [_ffmpeg(), "-nostdin", "-loglevel", "error", "-y", "-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "-",
             "-c:a", "libmp3lame", "-b:a", "24k", str(audio)],
            input=bytes(pcm),
            check=True,
            timeout=120,
        )  # fmt: skip
    (out_dir / f"{conversation['id']}.turns.json").write_text(json.dumps(turns, indent=1) + "\n")
    return audio, turns


# ---------------------------------------------------------------- the metrics


def truth_at(turns: Sequence[dict[str, Any]], start_ms: int, end_ms: int) -> int | None:
    """The index of the turn a stretch of the recording overlaps most (None: it falls in no turn)."""
    best, best_overlap = None, 0
    for index, turn in enumerate(turns):
        overlap = min(end_ms, turn["end_ms"]) - max(start_ms, turn["start_ms"])
        if overlap > best_overlap:
            best, best_overlap = index, overlap
    return best


def speaker_accuracy(segments: Sequence[Any], turns: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Words whose segment carries the speaker of the turn they were spoken in, over all words."""
    right = total = unknown = 0
    for segment in segments:
        words = len(segment.text.split())
        turn = truth_at(turns, segment.start_ms, max(segment.end_ms, segment.start_ms + 1))
        total += words
        said = getattr(segment.speaker, "value", segment.speaker)
        if said in (None, "unknown"):
            unknown += words
        elif turn is not None and said == turns[turn]["speaker"]:
            right += words
    return {"words": total, "right": right, "unknown": unknown, "accuracy": round(right / total, 4) if total else 0.0}


def highlight_scores(
    highlights: Sequence[Any], turns: Sequence[dict[str, Any]], planted: dict[str, list[int]]
) -> dict[str, Any]:
    """Per planted type: recall (planted turns with a buyer highlight of that type) and precision (the
    buyer's highlights of that type that sit on a planted turn)."""
    scores: dict[str, Any] = {}
    for name, kind in PLANTED_TYPES.items():
        wanted = planted.get(name, [])
        buyers = [
            h
            for h in highlights
            if getattr(h.highlight_type, "value", h.highlight_type) == kind
            and getattr(h.speaker, "value", h.speaker) == "buyer"
        ]

        def at(turn: int, h: Any) -> bool:
            return turns[turn]["start_ms"] - SLACK_MS <= h.timestamp_ms <= turns[turn]["end_ms"]

        found = [t for t in wanted if any(at(t, h) for h in buyers)]
        on_target = [h for h in buyers if any(at(t, h) for t in wanted)]
        scores[name] = {
            "planted": len(wanted),
            "found": len(found),
            "recall": round(len(found) / len(wanted), 4) if wanted else None,
            "buyer_highlights": len(buyers),
            "precision": round(len(on_target) / len(buyers), 4) if buyers else None,
        }
    return scores


def summary_concerns(
    concerns: Sequence[str], segments: Sequence[Any], turns: Sequence[dict[str, Any]], planted: dict[str, list[int]]
) -> dict[str, Any]:
    """Planted concerns the summary lists: an item quoting a sentence transcribed in the planted turn,
    attributed to the buyer (the transcript's words, not the script's: the measure is the summary's)."""
    found = 0
    for turn in planted.get("concerns", []):
        said = [s.text for s in segments if truth_at(turns, s.start_ms, max(s.end_ms, s.start_ms + 1)) == turn]
        if any("(buyer):" in item and any(text.split(".")[0] in item for text in said) for item in concerns):
            found += 1
    return {"planted": len(planted.get("concerns", [])), "found": found}


def answer_citation_accuracy(
    answer: AnswerFunction | None,
    conversation: dict[str, Any],
    segments: Sequence[Any],
    turns: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """The hook for the ask-the-tour answers: the share of questions whose cited moments fall in an
    answering turn (or, for a question not discussed, that cite nothing)."""
    if answer is None:
        return {"status": "not measured", "reason": "no answer function given"}
    # A cited moment is a transcript segment: the turn it was said in is the one that segment overlaps
    # most (the recogniser may open a segment a few ms before the turn's own start).
    ends = {s.start_ms: max(s.end_ms, s.start_ms + 1) for s in segments}
    right = 0
    for item in conversation["questions"]:
        cited = answer(item["question"], segments)
        expected = item["answer_turns"]
        if not expected:
            right += not cited
        elif cited and all(truth_at(turns, ms, ends.get(ms, ms + 1)) in expected for ms in cited):
            right += 1
    return {"status": "measured", "questions": len(conversation["questions"]), "right": right,
            "accuracy": round(right / len(conversation["questions"]), 4)}  # fmt: skip


# ---------------------------------------------------------------- running the providers


def provider_answer(provider: str) -> AnswerFunction:
    """The ask-the-tour answer the route would give with this provider (no notes: the labelled set has
    none), as the cited moments' start times."""
    from realty.questions import answering, retrieval

    ask = retrieval.answer_question if provider == "offline" else answering.llm_answer

    def cited(question: str, segments: Sequence[Any]) -> list[int]:
        return [moment.timestamp_ms for moment in ask(question, segments, []).cited_moments]

    return cited


def _analyse(segments: list[Any], duration_ms: int, *, use_llm: bool) -> tuple[list[Any], Any]:
    from realty.processing import highlights, summary

    found, _ = highlights.detect(segments, [], duration_ms=duration_ms, use_llm=use_llm, time_left=lambda: 900.0)
    content, _ = summary.summarize(segments, [], duration_ms=duration_ms, use_llm=use_llm, time_left=lambda: 900.0)
    return found, content


def run(conversation: dict[str, Any], audio: Path, turns: list[dict[str, Any]], *, provider: str,
        answer: AnswerFunction | None = None) -> dict[str, Any]:  # fmt: skip
    """One conversation through one provider (`offline` or `openai`), scored."""
    from realty.processing import offline, speakers, transcription

    duration_ms = turns[-1]["end_ms"] + PAUSE_MS
    if provider == "offline":
        chunk = offline.transcribe(audio, index=0, offset_ms=0, duration_ms=duration_ms, timeout=300)
    else:
        # The upload is encoded beside the chunk: in a scratch folder, not among the committed files.
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch) / audio.name
            shutil.copyfile(audio, copy)
            chunk = transcription.transcribe_chunk(
                copy, index=0, offset_ms=0, duration_ms=duration_ms, time_left=lambda: 900.0, timeline=None
            )
    participants = speakers.Participants(realtor_name=conversation["realtor"], buyer_name=conversation["buyer"])
    transcript = transcription.merge([chunk], duration_ms=duration_ms, participants=participants)
    found, content = _analyse(transcript.segments, duration_ms, use_llm=provider != "offline")
    return {
        "model": transcript.model,
        "speaker_accuracy": speaker_accuracy(transcript.segments, turns),
        "highlights": highlight_scores(found, turns, conversation["planted"]),
        "summary_concerns": summary_concerns(content.concerns, transcript.segments, turns, conversation["planted"]),
        "answer_citation_accuracy": answer_citation_accuracy(answer, conversation, transcript.segments, turns),
    }


def _use_env_key() -> bool:
    """The real providers run when OPENAI_API_KEY is set: the adapter takes it instead of the secret."""
    key = os.environ.get("OPENAI_API_KEY", "").strip()
    if not key:
        return False
    from realty.adapters import openai as openai_adapter

    openai_adapter.api_key = lambda: key
    return True


def _totals(runs: list[dict[str, Any]]) -> dict[str, Any]:
    words = sum(r["speaker_accuracy"]["words"] for r in runs)
    right = sum(r["speaker_accuracy"]["right"] for r in runs)
    totals: dict[str, Any] = {"speaker_accuracy": round(right / words, 4) if words else 0.0, "words": words}
    for name in PLANTED_TYPES:
        planted = sum(r["highlights"][name]["planted"] for r in runs)
        found = sum(r["highlights"][name]["found"] for r in runs)
        buyers = sum(r["highlights"][name]["buyer_highlights"] for r in runs)
        on_target = sum(
            round((r["highlights"][name]["precision"] or 0) * r["highlights"][name]["buyer_highlights"]) for r in runs
        )
        totals[name] = {
            "recall": round(found / planted, 4) if planted else None,
            "precision": round(on_target / buyers, 4) if buyers else None,
        }
    totals["summary_concerns_found"] = (
        f"{sum(r['summary_concerns']['found'] for r in runs)}/{sum(r['summary_concerns']['planted'] for r in runs)}"
    )
    measured = [r["answer_citation_accuracy"] for r in runs if r["answer_citation_accuracy"]["status"] == "measured"]
    totals["answer_citation_accuracy"] = (
        round(sum(m["right"] for m in measured) / sum(m["questions"] for m in measured), 4)
        if measured
        else "not measured"
    )
    return totals


def evaluate(
    *, regenerate: bool = False, only: str | None = None, answer: AnswerFunction | None = None
) -> dict[str, Any]:
    dataset = json.loads(DATASET.read_text())
    providers = ["offline"] + (["openai"] if _use_env_key() else [])
    results: dict[str, Any] = {"providers": {}}
    for provider in providers:
        runs = []
        for conversation in dataset["conversations"]:
            if only and conversation["id"] != only:
                continue
            audio = AUDIO / f"{conversation['id']}.mp3"
            times = AUDIO / f"{conversation['id']}.turns.json"
            if regenerate or not audio.is_file() or not times.is_file():
                audio, turns = generate(conversation)
            else:
                turns = json.loads(times.read_text())
            scored = run(conversation, audio, turns, provider=provider, answer=answer or provider_answer(provider))
            runs.append({"id": conversation["id"], **scored})
            print(
                f"{provider:8} {conversation['id']:18} speakers {scored['speaker_accuracy']['accuracy']:.1%}",
                flush=True,
            )
        results["providers"][provider] = {"totals": _totals(runs), "conversations": runs}
    offline_totals = results["providers"]["offline"]["totals"]
    found, _, planted = offline_totals["summary_concerns_found"].partition("/")
    results["targets"] = {
        "offline_speaker_accuracy_at_least_90_percent": offline_totals["speaker_accuracy"] >= TARGET_SPEAKER_ACCURACY,
        "offline_every_planted_concern_found": offline_totals["concerns"]["recall"] == 1.0 and found == planted,
    }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regenerate", action="store_true", help="speak the conversations again with espeak-ng")
    parser.add_argument("--only", help="one conversation id")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    results = evaluate(regenerate=args.regenerate, only=args.only)
    for provider, data in results["providers"].items():
        print(f"\n{provider}: {json.dumps(data['totals'], indent=1)}")
    print(f"\ntargets: {json.dumps(results['targets'])}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
