"""Chime without Chime: the meetings adapter the local stack registers (`install()`).

Chime has no emulator, so the local stack gets Chime-shaped meetings and attendees (no media),
deterministic per tour and user, and, when a recorded tour ends, the sample recording
(`tests/fixtures/sample_tour.mp4`, a generated video with speech, or `LOCAL_SAMPLE_RECORDING`) put
where the concatenation pipeline would put its files (the audio, then the composited video), so
processing, stills and video playback run on it.

It lives here, not in the layer: the layer that ships to Lambda holds the real adapter only, and
reaches this one solely through the `set_meetings()` seam that the local stack (and the tests that
want it) call. Nothing in a deployed function can select it.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from realty.adapters import chime
from realty.core.aws import client
from realty.core.config import get_settings

log = logging.getLogger("local.meetings")

SAMPLE_RECORDING = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "sample_tour.mp4"
LOCAL_ACCOUNT_ID = "123456789012"
_LOCAL_NAMESPACE = uuid.UUID("6f0c1f55-3d8e-4c53-9a8e-2b1f6c0a7e11")
_REGION_CODES = {
    "us-east-1": "ue1",
    "us-east-2": "ue2",
    "us-west-2": "uw2",
    "eu-central-1": "ec1",
    "eu-west-1": "ew1",
    "eu-west-2": "ew2",
    "ap-southeast-1": "as1",
    "ap-southeast-2": "as2",
    "ap-northeast-1": "an1",
    "ca-central-1": "cc1",
}


def _local_id(*parts: str) -> str:
    return str(uuid.uuid5(_LOCAL_NAMESPACE, "/".join(parts)))


def sample_recording_path() -> Path:
    """The recording the local stack pretends the concatenation pipeline made (`LOCAL_SAMPLE_RECORDING`)."""
    configured = os.environ.get("LOCAL_SAMPLE_RECORDING")
    if configured:
        return Path(configured)
    return SAMPLE_RECORDING


class LocalMeetings:
    """Chime-shaped meetings without media, for the local stack. Stateless and deterministic."""

    def __init__(self, account_id: str = LOCAL_ACCOUNT_ID) -> None:
        self.account_id = account_id

    def _region(self) -> str:
        return get_settings().chime_media_region

    def create_meeting(self, *, tour_id: str) -> dict[str, Any]:
        meeting_id = _local_id("meeting", tour_id)
        region = self._region()
        code = _REGION_CODES.get(region, "ue1")
        host = hashlib.sha256(meeting_id.encode()).hexdigest()[:12]
        return {
            "MeetingId": meeting_id,
            "ExternalMeetingId": chime.external_meeting_id(tour_id),
            "MediaRegion": region,
            "MediaPlacement": {
                "AudioHostUrl": f"{host}.k.m2.{code}.app.chime.aws:3478",
                "AudioFallbackUrl": f"wss://haxrp.m2.{code}.app.chime.aws:443/calls/{meeting_id}",
                "SignalingUrl": f"wss://signal.m2.{code}.app.chime.aws/control/{meeting_id}",
                "TurnControlUrl": f"https://2713.cell.{region}.meetings.chime.aws/v2/turn_sessions",
                "ScreenDataUrl": f"wss://bitpw.m2.{code}.app.chime.aws:443/v2/screen/{meeting_id}",
                "ScreenViewingUrl": (
                    f"wss://bitpw.m2.{code}.app.chime.aws:443/ws/connect?passcode=null&viewer_uuid=null"
                    f"&X-BitHub-Call-Id={meeting_id}"
                ),
                "ScreenSharingUrl": f"wss://bitpw.m2.{code}.app.chime.aws:443/v2/screen/{meeting_id}",
                "EventIngestionUrl": f"https://data.svc.{code}.ingest.chime.aws/v1/client-events",
            },
            "MeetingFeatures": chime.meeting_features(),
            "MeetingArn": f"arn:aws:chime:{region}:{self.account_id}:meeting/{meeting_id}",
        }

    def create_attendee(self, *, meeting_id: str, user_id: str) -> dict[str, Any]:
        attendee_id = _local_id("attendee", meeting_id, user_id)
        digest = hashlib.sha256(f"{meeting_id}:{attendee_id}".encode()).digest()
        token = base64.b64encode(attendee_id.encode() + b":" + digest).decode()
        return {
            "ExternalUserId": user_id,
            "AttendeeId": attendee_id,
            "JoinToken": token,
            "Capabilities": {"Audio": "SendReceive", "Video": "SendReceive", "Content": "SendReceive"},
        }

    def delete_attendee(self, *, meeting_id: str, attendee_id: str) -> None:
        return None

    def delete_meeting(self, *, meeting_id: str) -> None:
        return None

    def _pipeline(self, kind: str, tour_id: str) -> chime.Pipeline:
        pipeline_id = _local_id(kind, tour_id)
        return chime.Pipeline(
            id=pipeline_id, arn=f"arn:aws:chime:{self._region()}:{self.account_id}:media-pipeline/{pipeline_id}"
        )

    def start_capture(self, *, meeting: Mapping[str, Any], tour_id: str) -> chime.Pipeline:
        chime.recordings_bucket()
        return self._pipeline("capture", tour_id)

    def stop_capture(self, *, pipeline_id: str) -> None:
        return None

    def start_concatenation(self, *, capture_pipeline_arn: str, tour_id: str) -> chime.Pipeline:
        """Put the sample recording where the concatenation pipeline puts its files.

        The audio first (its arrival creates the recording), then, for a video sample (`.mp4`), the
        composited video. Chime's audio file is an audio-only MP4; the sample's own file serves as
        both here, as processing reads only its audio track. Each object's creation is what the local
        stack reports to `recording_events`, as S3 would. Without the sample the tour just has no
        recording (logged), like a pipeline that never finished.
        """
        pipeline = self._pipeline("concat", tour_id)
        sample = sample_recording_path()
        if not sample.is_file():
            log.warning("no sample recording to stand in for the concatenated file: %s", sample)
            return pipeline
        suffix = sample.suffix.lower() or ".mp3"
        body = sample.read_bytes()
        files = [(f"audio/{pipeline.id}{suffix}", "audio/mp4" if suffix == ".mp4" else "audio/mpeg")]
        if suffix == ".mp4":
            files.append((f"composited-video/{pipeline.id}.mp4", "video/mp4"))
        for name, content_type in files:
            key = f"{chime.concatenated_prefix(tour_id)}/{name}"
            try:
                client("s3").put_object(Bucket=chime.recordings_bucket(), Key=key, Body=body, ContentType=content_type)
            except (ClientError, BotoCoreError):
                log.exception("could not place the sample recording at %s", key)
                break
        return pipeline


def install() -> LocalMeetings:
    """Register the local meetings as the process's Chime adapter (the local stack calls this)."""
    adapter = LocalMeetings()
    chime.set_meetings(adapter)
    return adapter


def uninstall() -> None:
    """Back to the layer's default, the real Chime adapter."""
    chime.set_meetings(None)
