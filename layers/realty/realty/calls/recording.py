"""Recording a tour's call: starting and stopping the capture (with the buyer's consent), and after
the meeting, the one concatenation that makes a single audio file of it.

One recording per tour: Chime allows one capture pipeline per meeting, and a concatenation
pipeline takes one capture pipeline, so a recording stopped (or stopped because the buyer withdrew
consent) cannot be started again.
"""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools import Logger

from realty.adapters import chime
from realty.calls import store
from realty.calls.access import managed_call
from realty.calls.models import CallDetailAttributes, CallState, PipelineKind, PipelinePointer
from realty.calls.resources import call_resource, recording_status
from realty.core import clock
from realty.core.audit import audit_action
from realty.core.auth import Caller
from realty.core.envelope import Resource
from realty.core.errors import Conflict
from realty.core.metrics import count
from realty.tours.models import CallStatus, RecordingStatus

# The plan check (billing) is imported where recording starts: the calls function's reads start without it.

logger = Logger(child=True)


def require_active(call: CallState) -> dict[str, Any]:
    """The call's Chime meeting, while the call is active; else the 409 that says why not."""
    if call.status is CallStatus.CREATED or not call.chime_meeting:
        raise Conflict("the realtor has not started the tour yet", code="NOT_STARTED")
    if call.status is CallStatus.ENDED:
        raise Conflict("the tour's call has ended", code="INVALID_TRANSITION")
    return call.chime_meeting


def record_call(caller: Caller, call_id: str, action: Literal["start", "stop"]) -> Resource[CallDetailAttributes]:
    call = managed_call(caller, call_id)
    if action == "start":
        return call_resource(_start_recording(caller, call))
    return call_resource(_stop_recording(caller, call))


def _start_recording(caller: Caller, call: CallState) -> CallState:
    meeting = require_active(call)
    status = recording_status(call)
    if status is RecordingStatus.RECORDING:
        return call
    if status is not None:
        raise Conflict("this tour was already recorded; a tour has one recording", code="INVALID_TRANSITION")
    if call.recording_consent is not True:
        raise Conflict("the buyer has not agreed to the tour being recorded", code="CONSENT_REQUIRED")
    from realty.billing.entitlements import require_pro

    require_pro(call.realtor_id, feature="recording")
    adapter = chime.meetings()
    pipeline = adapter.start_capture(meeting=meeting, tour_id=call.tour_id)
    stamp = clock.now_iso()
    try:
        started = store.start_recording(
            call,
            {
                "recording_status": RecordingStatus.RECORDING,
                "capture_pipeline_id": pipeline.id,
                "capture_pipeline_arn": pipeline.arn,
                "recording_started_at": stamp,
                "updated_at": stamp,
            },
            pointer=PipelinePointer(
                pipeline_id=pipeline.id,
                kind=PipelineKind.CAPTURE,
                tour_id=call.tour_id,
                call_id=call.id,
                created_at=stamp,
            ),
            audit=audit_action(
                actor_id=caller.user_id,
                action="call.recording_started",
                resource_type="call",
                resource_id=call.id,
                details={"tour_id": call.tour_id, "media_pipeline_id": pipeline.id},
            ),
        )
    except Exception as error:
        # Chime is capturing but the call item may not say so. Whatever failed (consent withdrawn or
        # the call ended meanwhile, DynamoDB throttling or failing), a capture the call does not
        # record is stopped: nothing else would stop it (consent withdrawal, the end) or keep it.
        current = _call_if_readable(call.tour_id)
        if current is not None and current.capture_pipeline_id == pipeline.id:
            return current  # the write did land: a concurrent start of the same pipeline won
        adapter.stop_capture(pipeline_id=pipeline.id)
        count("RecordingsStoppedUnrecorded")
        if isinstance(error, Conflict) and current is not None and current.recording_consent is not True:
            raise Conflict("the buyer has not agreed to the tour being recorded", code="CONSENT_REQUIRED") from None
        raise
    count("RecordingsStarted")
    return started


def _call_if_readable(tour_id: str) -> CallState | None:
    """The call as stored now, or None when even reading it fails (the caller is already failing)."""
    try:
        return store.get_call(tour_id)
    except Exception as error:
        logger.warning("could not re-read the call", extra={"tour_id": tour_id, "error": type(error).__name__})
        return None


def _stop_recording(caller: Caller, call: CallState) -> CallState:
    status = recording_status(call)
    if status is None:
        raise Conflict("the call is not being recorded", code="INVALID_TRANSITION")
    if status is not RecordingStatus.RECORDING or not call.capture_pipeline_id:
        return call  # already stopped
    chime.meetings().stop_capture(pipeline_id=call.capture_pipeline_id)
    stamp = clock.now_iso()
    return store.stop_recording(
        call,
        {"recording_status": RecordingStatus.STOPPED, "recording_stopped_at": stamp, "updated_at": stamp},
        audit=audit_action(
            actor_id=caller.user_id,
            action="call.recording_stopped",
            resource_type="call",
            resource_id=call.id,
            details={"reason": "stopped_by_realtor", "tour_id": call.tour_id},
        ),
    )


def consent_change(
    caller: Caller, call: CallState, consent: bool, stamp: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The call attributes and audit items of the buyer giving or withdrawing consent.

    Withdrawing it while the tour is being recorded stops the recording first (Chime), so the
    answer never goes back while the capture still runs.
    """
    changes: dict[str, Any] = {"recording_consent": consent, "consent_updated_at": stamp}
    audits = [
        audit_action(
            actor_id=caller.user_id,
            action="call.recording_consent_given" if consent else "call.recording_consent_withdrawn",
            resource_type="call",
            resource_id=call.id,
            details={"recording_consent": consent, "tour_id": call.tour_id},
        )
    ]
    if not consent and recording_status(call) is RecordingStatus.RECORDING and call.capture_pipeline_id:
        chime.meetings().stop_capture(pipeline_id=call.capture_pipeline_id)
        count("RecordingsStoppedByConsent")
        changes |= {"recording_status": RecordingStatus.STOPPED, "recording_stopped_at": stamp}
        audits.append(
            audit_action(
                actor_id=caller.user_id,
                action="call.recording_stopped",
                resource_type="call",
                resource_id=call.id,
                details={"reason": "consent_withdrawn", "tour_id": call.tour_id},
            )
        )
    return changes, audits


def finish_recording(call: CallState, *, actor: str, best_effort: bool = True) -> CallState:
    """After the meeting, one concatenation pipeline makes one audio file of what was captured.

    For a request, best effort: the call did end, so a Chime failure here is logged and the call
    stays `stopped`; ending it again retries. For Chime's meeting-ended event the failure is raised,
    so Lambda delivers the event again. The idempotency token keeps it one pipeline either way.
    """
    if recording_status(call) is not RecordingStatus.STOPPED or not call.capture_pipeline_arn:
        return call
    if call.concatenation_pipeline_id:
        return call
    try:
        pipeline = chime.meetings().start_concatenation(
            capture_pipeline_arn=call.capture_pipeline_arn, tour_id=call.tour_id
        )
    except Exception:
        logger.exception("concatenation not started; ending the call again retries it", extra={"tour_id": call.tour_id})
        count("RecordingConcatenationFailed")
        if not best_effort:
            raise
        return call
    stamp = clock.now_iso()
    try:
        return store.start_concatenation(
            call,
            {
                "recording_status": RecordingStatus.CONCATENATING,
                "concatenation_pipeline_id": pipeline.id,
                "updated_at": stamp,
            },
            pointer=PipelinePointer(
                pipeline_id=pipeline.id,
                kind=PipelineKind.CONCATENATION,
                tour_id=call.tour_id,
                call_id=call.id,
                created_at=stamp,
            ),
            audit=audit_action(
                actor_id=actor,
                action="recording.concatenation_started",
                resource_type="call",
                resource_id=call.id,
                details={"tour_id": call.tour_id, "media_pipeline_id": pipeline.id},
            ),
        )
    except Conflict:
        return store.get_call(call.tour_id) or call
