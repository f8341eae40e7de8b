"""Contract: a join response works with the real amazon-chime-sdk-js, as a web client uses it.

The join route's `data.attributes.meeting` and `.attendee` go, untouched, to
`new MeetingSessionConfiguration(meeting, attendee)` under Node; the SDK must find the meeting, the
attendee's credentials and the media URLs in them. The package (pinned in package.json and
package-lock.json here) is installed once into `.local/chime-sdk-js/`; without node and npm, or
without the registry, the test is skipped.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from testkit.api import call
from tools.functions import ROOT

HERE = Path(__file__).parent
INSTALL_DIR = ROOT / ".local" / "chime-sdk-js"


def _install() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are needed for the amazon-chime-sdk-js contract")
    INSTALL_DIR.mkdir(parents=True, exist_ok=True)
    lock = (HERE / "package-lock.json").read_text()
    marker = INSTALL_DIR / "node_modules" / ".installed-lock.json"
    if not (marker.exists() and marker.read_text() == lock):
        for name in ("package.json", "package-lock.json", "session.cjs"):
            shutil.copyfile(HERE / name, INSTALL_DIR / name)
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=INSTALL_DIR,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        if result.returncode != 0:
            pytest.skip(f"amazon-chime-sdk-js could not be installed: {result.stderr.strip()[-300:]}")
        marker.write_text(lock)
    shutil.copyfile(HERE / "session.cjs", INSTALL_DIR / "session.cjs")
    return Path(node)


@pytest.fixture(scope="module")
def node() -> Path:
    return _install()


def _configuration(node: Path, attributes: dict) -> dict:
    payload = json.dumps({"meeting": attributes["meeting"], "attendee": attributes["attendee"]})
    result = subprocess.run(
        [str(node), "session.cjs"],
        cwd=INSTALL_DIR,
        input=payload,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_a_join_response_makes_a_meeting_session_configuration(node, tour, chime_stub):
    meeting = chime_stub.create_meeting(tour.tour_id)
    assert call("POST", f"/api/v1/realtors/tours/{tour.tour_id}/start", caller=tour.realtor).status == 200
    attendee = chime_stub.create_attendee(meeting["MeetingId"], tour.buyer.user_id)
    joined = call("POST", f"/api/v1/buyers/calls/{tour.call_id}/join", caller=tour.buyer, body={})
    assert joined.status == 200, joined.body

    configuration = _configuration(node, joined.data["attributes"])

    assert configuration == {
        "meetingId": meeting["MeetingId"],
        "externalMeetingId": f"tour-{tour.tour_id}",
        "attendeeId": attendee["AttendeeId"],
        "externalUserId": tour.buyer.user_id,
        "joinToken": attendee["JoinToken"],
        "audioHostURL": meeting["MediaPlacement"]["AudioHostUrl"],
        "signalingURL": meeting["MediaPlacement"]["SignalingUrl"],
        "turnControlURL": meeting["MediaPlacement"]["TurnControlUrl"],
        "eventIngestionURL": meeting["MediaPlacement"]["EventIngestionUrl"],
    }


def test_the_local_stacks_meetings_work_with_the_sdk_too(node, tour):
    from local import meetings

    meetings.install()
    try:
        assert call("POST", f"/api/v1/realtors/tours/{tour.tour_id}/start", caller=tour.realtor).status == 200
        joined = call("POST", f"/api/v1/realtors/calls/{tour.call_id}/join", caller=tour.realtor)
    finally:
        meetings.uninstall()

    configuration = _configuration(node, joined.data["attributes"])

    assert configuration["meetingId"] == joined.data["attributes"]["meeting"]["MeetingId"]
    assert configuration["joinToken"] == joined.data["attributes"]["attendee"]["JoinToken"]
    assert configuration["audioHostURL"].endswith(".app.chime.aws:3478")
