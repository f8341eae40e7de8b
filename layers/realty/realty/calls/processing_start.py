"""Handing an arrived recording on to tour processing: on the pro plan it starts, otherwise the
recording is kept and says why it was not processed. Decided once per recording."""

from __future__ import annotations

from realty.calls import store
from realty.calls.models import ProcessingStart, Recording, RecordingState
from realty.core import clock
from realty.core.audit import SYSTEM_ACTOR, audit_action
from realty.core.errors import Conflict, PaymentRequired

FIRST_PROCESSING_ATTEMPT = 1


def start_processing(recording: Recording) -> Recording:
    """Processing needs the pro plan; without it the recording is kept and says why it was not processed."""
    if recording.status is not RecordingState.AVAILABLE or recording.processing_status is not ProcessingStart.PENDING:
        return recording
    from realty.billing.entitlements import require_pro

    try:
        require_pro(recording.realtor_id, feature="processing")
        decision = ProcessingStart.STARTED
    except PaymentRequired:
        decision = ProcessingStart.PRO_REQUIRED
    if decision is ProcessingStart.STARTED:
        from realty.processing.service import start_processing as start_tour_processing

        # A recording is processed first as attempt 1: a redelivered event finds it running, a no-op.
        start_tour_processing(recording.tour_id, attempt=FIRST_PROCESSING_ATTEMPT)
    try:
        return store.save_processing_decision(
            recording,
            {"processing_status": decision, "updated_at": clock.now_iso()},
            audit=audit_action(
                actor_id=SYSTEM_ACTOR,
                action="recording.processing_started" if decision is ProcessingStart.STARTED else "recording.kept",
                resource_type="recording",
                resource_id=recording.tour_id,
                details={"processing_status": decision.value},
            ),
        )
    except Conflict:
        return store.get_recording(recording.tour_id) or recording
