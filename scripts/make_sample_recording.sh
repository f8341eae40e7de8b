#!/usr/bin/env bash
# Makes tests/fixtures/sample_tour.mp3: a ~75 s tour conversation between a realtor and a buyer,
# spoken by espeak-ng with two voices and mixed down with sox to what the processing pipeline
# expects from a recording (mono, 16 kHz, low-bitrate MP3).
#
# The two voices differ clearly in pitch (about 105 Hz and 190 Hz): the offline speaker labelling tells
# them apart by it. Beside the MP3 it writes `sample_tour.turns.json`: each turn's speaker, text and
# time, what tests/integration/test_processing_speakers.py scores the labels against.
#
# Run once by hand (needs: apt-get install -y espeak-ng sox libsox-fmt-mp3); the tests and the local
# stack use only the committed output, never this script. Regenerate the video after it
# (scripts/make_sample_video.py).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/../tests/fixtures/sample_tour.mp3}"
for tool in espeak-ng sox; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install -y espeak-ng sox libsox-fmt-mp3)" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

realtor_voice="en-us+m3"
buyer_voice="en-us+f2"

# speaker|line; the pause between turns is the silence the audio splitter looks for.
script=(
  "realtor|Welcome to twelve Maple Street. Thank you for coming to the tour today."
  "buyer|Thank you. The photos looked great. How many bedrooms does the house have?"
  "realtor|It has three bedrooms and two bathrooms, and the kitchen was renovated last year."
  "buyer|I love the kitchen. The living room gets a lot of natural light."
  "realtor|The asking price is four hundred and fifty thousand dollars."
  "buyer|That is within our budget. What about the basement?"
  "realtor|Let us go downstairs. There was a small leak in the basement last spring, and the seller had it repaired."
  "buyer|I can still see a water stain near the wall. We would want an inspection of that leak."
  "realtor|Of course. The inspection can be scheduled before closing."
  "buyer|Are there HOA fees for this property?"
  "realtor|Yes, the HOA fees are two hundred dollars per month. They cover landscaping and snow removal."
  "buyer|The backyard is beautiful, and the garage fits two cars."
  "realtor|For next steps, I will send you the disclosure documents and the inspection report tomorrow."
  "buyer|Great. We will talk it over and make an offer by Friday."
)

sox -n -r 16000 -c 1 "$work/pause.wav" trim 0 0.9
parts=()
n=0
at_ms=0
turns="$(dirname "$out")/$(basename "$out" .mp3).turns.json"
printf '{"realtor": "Riley", "buyer": "Dana", "turns": [\n' > "$turns"
for entry in "${script[@]}"; do
  speaker="${entry%%|*}"
  line="${entry#*|}"
  voice="$realtor_voice"
  speed=150
  if [[ "$speaker" == "buyer" ]]; then voice="$buyer_voice"; speed=160; fi
  n=$((n + 1))
  espeak-ng -v "$voice" -s "$speed" -w "$work/raw-$n.wav" "$line"
  sox "$work/raw-$n.wav" -r 16000 -c 1 "$work/line-$n.wav"
  parts+=("$work/line-$n.wav" "$work/pause.wav")
  length_ms="$(soxi -D "$work/line-$n.wav" | awk '{printf "%d", $1 * 1000}')"
  [[ $n -gt 1 ]] && printf ',\n' >> "$turns"
  printf ' {"speaker": "%s", "start_ms": %d, "end_ms": %d, "text": "%s"}' \
    "$speaker" "$at_ms" "$((at_ms + length_ms))" "$line" >> "$turns"
  at_ms=$((at_ms + length_ms + 900))
done
printf '\n]}\n' >> "$turns"

sox "${parts[@]}" "$work/tour.wav"
# 24 kbps mono MP3 at 16 kHz: small enough to commit, what the pipeline's own audio step produces.
sox "$work/tour.wav" -C 24 "$out"
echo "wrote $out ($(stat -c %s "$out") bytes, $(soxi -D "$out") s)"
