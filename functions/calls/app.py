"""Live video tours on Amazon Chime SDK: start, join, leave, record, end, and the recording's playback.

Serves /api/v1/realtors/tours/{id}/start|end|recording, /api/v1/buyers/tours/{id}/recording and
/api/v1/realtors|buyers/calls/{id}*: every route that talks to Chime or hands out the recording is
here, so only this function holds the Chime permissions and the recordings bucket's read access.
"""

from __future__ import annotations

from typing import Annotated, Any

from realty.calls import meeting, playback, recording
from realty.calls.models import (
    BuyerJoinRequest,
    CallDetailAttributes,
    JoinAttributes,
    RecordingAttributes,
    RecordRequest,
    StartAttributes,
)
from realty.core.api import Body, Response, create_app, make_handler, respond
from realty.core.auth import Role, require_role
from realty.core.envelope import Envelope, Resource

app = create_app()

CallOut = Response[Envelope[Resource[CallDetailAttributes]]]
JoinOut = Response[Envelope[Resource[JoinAttributes]]]
StartOut = Response[Envelope[Resource[StartAttributes]]]
RecordingOut = Response[Envelope[Resource[RecordingAttributes]]]

REALTORS = (Role.REALTOR, Role.ADMIN)
BUYERS = (Role.BUYER, Role.ADMIN)


# ---------------------------------------------------------------- realtors: the tour


@app.post(
    "/api/v1/realtors/tours/<id>/start",
    summary="Open the tour's video meeting (from 15 minutes before it until its end)",
    tags=["calls"],
)
def start_tour(id: str) -> StartOut:
    return respond(app, meeting.start_tour(require_role(app, *REALTORS), id))


@app.post("/api/v1/realtors/tours/<id>/end", summary="End the tour's meeting for everyone", tags=["calls"])
def end_tour(id: str) -> CallOut:
    return respond(app, meeting.end_tour(require_role(app, *REALTORS), id))


@app.get(
    "/api/v1/realtors/tours/<id>/recording",
    summary="The tour's recording, with a playback URL valid for 15 minutes",
    tags=["calls"],
)
def realtor_tour_recording(id: str) -> RecordingOut:
    return respond(app, playback.tour_recording(require_role(app, *REALTORS), id, "realtor"))


# ---------------------------------------------------------------- realtors: the call


@app.get("/api/v1/realtors/calls/<id>", summary="The call of one of my tours", tags=["calls"])
def realtor_get_call(id: str) -> CallOut:
    return respond(app, meeting.get_call(require_role(app, *REALTORS), id))


@app.post(
    "/api/v1/realtors/calls/<id>/join",
    summary="Join the started meeting: Chime's Meeting and Attendee for the browser SDK",
    tags=["calls"],
)
def realtor_join(id: str) -> JoinOut:
    return respond(app, meeting.join_call(require_role(app, *REALTORS), id, "realtor"))


@app.post("/api/v1/realtors/calls/<id>/leave", summary="Leave the meeting", tags=["calls"])
def realtor_leave(id: str) -> CallOut:
    return respond(app, meeting.leave_call(require_role(app, *REALTORS), id, "realtor"))


@app.post("/api/v1/realtors/calls/<id>/end", summary="End the meeting for everyone", tags=["calls"])
def realtor_end(id: str) -> CallOut:
    return respond(app, meeting.end_call(require_role(app, *REALTORS), id))


@app.post(
    "/api/v1/realtors/calls/<id>/record",
    summary="Start (buyer's consent and the pro plan needed) or stop recording",
    tags=["calls"],
)
def realtor_record(id: str, body: RecordRequest) -> CallOut:
    return respond(app, recording.record_call(require_role(app, *REALTORS), id, body.action))


@app.get(
    "/api/v1/realtors/calls/<id>/recording",
    summary="The call's recording, with a playback URL valid for 15 minutes",
    tags=["calls"],
)
def realtor_call_recording(id: str) -> RecordingOut:
    return respond(app, playback.call_recording(require_role(app, *REALTORS), id, "realtor"))


# ---------------------------------------------------------------- buyers


@app.get(
    "/api/v1/buyers/tours/<id>/recording",
    summary="The tour's recording, with a playback URL valid for 15 minutes",
    tags=["calls"],
)
def buyer_tour_recording(id: str) -> RecordingOut:
    return respond(app, playback.tour_recording(require_role(app, *BUYERS), id, "buyer"))


@app.get("/api/v1/buyers/calls/<id>", summary="The call of one of my tours", tags=["calls"])
def buyer_get_call(id: str) -> CallOut:
    return respond(app, meeting.get_call(require_role(app, *BUYERS), id))


@app.post(
    "/api/v1/buyers/calls/<id>/join",
    summary="Join the started meeting, optionally saying whether it may be recorded",
    tags=["calls"],
)
def buyer_join(id: str, body: Annotated[BuyerJoinRequest | None, Body()] = None) -> JoinOut:
    consent = body.recording_consent if body is not None else None
    return respond(app, meeting.join_call(require_role(app, *BUYERS), id, "buyer", consent=consent))


@app.post("/api/v1/buyers/calls/<id>/leave", summary="Leave the meeting", tags=["calls"])
def buyer_leave(id: str) -> CallOut:
    return respond(app, meeting.leave_call(require_role(app, *BUYERS), id, "buyer"))


@app.get(
    "/api/v1/buyers/calls/<id>/recording",
    summary="The call's recording, with a playback URL valid for 15 minutes",
    tags=["calls"],
)
def buyer_call_recording(id: str) -> RecordingOut:
    return respond(app, playback.call_recording(require_role(app, *BUYERS), id, "buyer"))


lambda_handler: Any = make_handler(app)
