"""A still frame of the tour's video at each highlight, so a highlight shows what was being looked at.

ffmpeg (the `imageio-ffmpeg` binary, as for the audio) seeks to the highlight's time in the
composited video and writes one JPEG, scaled down to `STILL_WIDTH` (Chime composites at 1080p; a
highlight card needs far less). A still is an illustration: a video that cannot be decoded, or a
moment past its end, leaves that highlight without one rather than failing the tour.
"""

from __future__ import annotations

from pathlib import Path

from aws_lambda_powertools import Logger

from realty.processing import audio
from realty.processing.errors import InvalidRecording

logger = Logger(child=True)

STILL_WIDTH = 640
STILL_CONTENT_TYPE = "image/jpeg"
# Seconds one frame may take (a seek in a long file reads its index, then decodes from a keyframe).
STILL_TIMEOUT_SECONDS = 30.0


def take_still(video: Path, at_ms: int, out: Path, *, timeout: float = STILL_TIMEOUT_SECONDS) -> Path | None:
    """The frame shown at `at_ms` as a JPEG at `out`, or None when there is none to take."""
    try:
        audio.run_ffmpeg(
            [
                # -ss before -i: seek by the index to the keyframe before, then decode up to the moment.
                "-ss",
                f"{max(at_ms, 0) / 1000:.3f}",
                "-i",
                str(video),
                "-frames:v",
                "1",
                "-vf",
                f"scale='min({STILL_WIDTH},iw)':-2",
                "-q:v",
                "4",
                "-y",
                str(out),
            ],
            timeout=timeout,
        )
    except InvalidRecording as error:
        logger.warning("no still taken", extra={"at_ms": at_ms, "error": str(error)})
        return None
    if not out.is_file() or out.stat().st_size == 0:
        logger.info("no frame at this moment", extra={"at_ms": at_ms})
        return None
    return out
