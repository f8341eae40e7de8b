"""Make `tests/fixtures/sample_tour.mp4`: the demo tour as a small video, what the local stack puts
where Chime's concatenation pipeline would put the composited video (and its audio).

Picture: ffmpeg's `testsrc2` pattern, 320x180 at 2 frames a second, with a strip across the top
quarter that writes the current second in binary (8 cells, most significant bit left, white = 1).
A still taken at any time can therefore be read back (`tests/support/video.py`) to prove it is a
real frame from the right moment. Sound: the generated speech of `tests/fixtures/sample_tour.mp3`
(espeak-ng voices, made by `scripts/make_sample_recording.sh`), as mono 16 kHz AAC like Chime's audio.

Run by hand when the speech or the picture changes: `python scripts/make_sample_video.py [speech] [out]`.
The tests and the local stack use only the committed output. ffmpeg is the binary inside the
`imageio-ffmpeg` wheel, so nothing else needs installing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg

ROOT = Path(__file__).resolve().parent.parent
SPEECH = ROOT / "tests" / "fixtures" / "sample_tour.mp3"
OUT = ROOT / "tests" / "fixtures" / "sample_tour.mp4"

WIDTH, HEIGHT, FPS = 320, 180, 2
SECOND_BITS = 8  # up to 255 s: the sample is about 90 s


def _strip(channel: str) -> str:
    """geq expression: in the top quarter, bit k of floor(T) as black/white; elsewhere the pattern."""
    bit = f"255*mod(floor(floor(T)/pow(2,{SECOND_BITS - 1}-floor(X*{SECOND_BITS}/W))),2)"
    return f"if(lt(Y,H/4),{bit},{channel}(X,Y))"


def make(speech: Path = SPEECH, out: Path = OUT) -> Path:
    video = f"[0:v]format=rgb24,geq=r='{_strip('r')}':g='{_strip('g')}':b='{_strip('b')}',format=yuv420p[v]"
    subprocess.run(  # noqa: S603 - a fixed binary with arguments we build, no shell
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}",
            "-i",
            str(speech),
            "-filter_complex",
            video,
            "-map",
            "[v]",
            "-map",
            "1:a",
            # A keyframe every 5 s keeps seeking cheap; a high CRF keeps the file a few hundred KB.
            "-c:v",
            "libx264",
            "-preset",
            "veryslow",
            "-crf",
            "40",
            "-g",
            str(FPS * 5),
            "-c:a",
            "aac",
            "-b:a",
            "24k",
            "-ac",
            "1",
            "-ar",
            "16000",
            "-shortest",
            "-movflags",
            "+faststart",
            str(out),
        ],
        check=True,
    )
    return out


if __name__ == "__main__":
    args = [Path(arg) for arg in sys.argv[1:3]]
    written = make(*args)
    print(f"wrote {written} ({written.stat().st_size} bytes)")
