"""Starting tour processing: the tour moves to `processing` and one state machine execution runs.

Each run is an *attempt*: the tour's `processing_attempt` counts them, and the execution is named
`<tour_id>-<attempt>`, so a tour is processed once per attempt however often a trigger repeats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from realty.core import clock
from realty.core.audit import SYSTEM_ACTOR, audit_action
from realty.core.auth import Caller
from realty.core.config import get_settings
from realty.core.envelope import Relationship, Resource
from realty.core.errors import Conflict, NotConfigured, NotFound, UpstreamError
from realty.core.metrics import count
from realty.processing import store
from realty.processing.models import ProcessingAttributes, TourView
from realty.tours import access
from realty.tours.states import TourStatus, ensure_transition

REPROCESSABLE = (TourStatus.PROCESSED, TourStatus.PROCESSING_FAILED)
# The state machine's `TimeoutSeconds` (statemachines/tour_processing.asl.json; a template test keeps
# the two equal): no execution runs longer. A tour still `processing` this long after its run started
# (plus a margin for the start itself) has nothing running any more and may be reprocessed.
EXECUTION_TIMEOUT = timedelta(seconds=7200)
STUCK_AFTER = EXECUTION_TIMEOUT + timedelta(minutes=5)


@dataclass(frozen=True)
class ProcessingStarted:
    tour_id: str
    attempt: int
    execution_name: str
    execution_arn: str
    started_at: str


def execution_name(tour_id: str, attempt: int) -> str:
    return f"{tour_id}-{attempt}"


def execution_arn(name: str) -> str:
    machine = get_settings().tour_processing_state_machine_arn
    return f"{machine.replace(':stateMachine:', ':execution:')}:{name}"


def start_processing(tour_id: str, *, attempt: int | None = None, actor_id: str = SYSTEM_ACTOR) -> ProcessingStarted:
    """Move the tour `completed|processed|processing_failed -> processing` and start its execution.

    `attempt=None` starts the next attempt. A trigger that may be delivered twice (an event, a
    retried request) passes the attempt it means: if the tour is already processing that attempt,
    only the execution is (re)started, which is a no-op when it already exists; if that attempt
    already finished, nothing happens.
    """
    tour = store.get_tour(tour_id)
    if tour is None:
        raise NotFound("no such tour")
    return _start(tour, attempt=attempt, actor_id=actor_id)


def _start(
    tour: TourView, *, attempt: int | None, actor_id: str, with_actions: tuple[dict[str, Any], ...] = ()
) -> ProcessingStarted:
    if not get_settings().tour_processing_state_machine_arn:
        raise NotConfigured("tour processing is not configured (TOUR_PROCESSING_STATE_MACHINE_ARN)")
    stamp = clock.now_iso()
    already_running = (
        attempt is not None and tour.status is TourStatus.PROCESSING and tour.processing_attempt == attempt
    )
    if attempt is not None and not already_running and attempt <= tour.processing_attempt:
        name = execution_name(tour.id, attempt)
        return ProcessingStarted(
            tour_id=tour.id,
            attempt=attempt,
            execution_name=name,
            execution_arn=execution_arn(name),
            started_at=tour.processing_started_at or stamp,
        )
    if already_running:
        number = tour.processing_attempt
        stamp = tour.processing_started_at or stamp
    else:
        number = tour.processing_attempt + 1
        if attempt is not None and attempt != number:
            raise Conflict(
                f"attempt {attempt} is not this tour's next processing attempt ({number})", code="INVALID_TRANSITION"
            )
        ensure_transition(tour.status, TourStatus.PROCESSING)
        audit = audit_action(
            actor_id=actor_id,
            action="tour.processing_started",
            resource_type="tour",
            resource_id=tour.id,
            details={"attempt": number, "from_status": tour.status.value},
        )
        store.begin_processing(
            tour,
            attempt=number,
            stamp=stamp,
            audit=audit,
            message="the tour was changed by another request, retry",
            with_actions=with_actions,
        )
    name = execution_name(tour.id, number)
    try:
        _launch(name, {"tour_id": tour.id, "attempt": number})
    except UpstreamError:
        # The tour must not stay `processing` with nothing running or queued: mark this attempt
        # failed, so it can be reprocessed, and tell the caller.
        store.finish_processing(
            tour.id,
            attempt=number,
            target=TourStatus.PROCESSING_FAILED,
            stamp=clock.now_iso(),
            reason="processing could not be started, reprocess the tour to try again",
            audit=audit_action(
                actor_id=SYSTEM_ACTOR,
                action="tour.processing_failed",
                resource_type="tour",
                resource_id=tour.id,
                details={"attempt": number, "reason": "start_execution failed"},
            ),
        )
        raise
    return ProcessingStarted(
        tour_id=tour.id, attempt=number, execution_name=name, execution_arn=execution_arn(name), started_at=stamp
    )


def _launch(name: str, payload: dict[str, int | str]) -> None:
    """Queue the execution's start (the drain starts it when the OpenAI tier has room, in order of
    arrival: `realty.processing.queue`), or start it at once where no queue is configured."""
    if get_settings().processing_queue_url:
        store.enqueue_start(name, payload)
        count("TourProcessingQueued")
        return
    store.start_execution(name, payload)
    count("TourProcessingStarted")


def _stuck(tour: TourView) -> bool:
    """Still `processing` although its execution cannot be running any more (it timed out, or was
    lost without its failure being recorded)."""
    if tour.status is not TourStatus.PROCESSING or not tour.processing_started_at:
        return False  # every run stamps processing_started_at when it moves the tour to processing
    return clock.now() - clock.parse_iso(tour.processing_started_at) > STUCK_AFTER


def _fail_stuck(tour: TourView, *, actor_id: str) -> TourView:
    """Record the stuck attempt as failed (`processing -> processing_failed`, conditioned on that
    attempt), so the next one starts from there like any reprocess."""
    reason = "processing did not finish in time; reprocess the tour to try again"
    failed = store.finish_processing(
        tour.id,
        attempt=tour.processing_attempt,
        target=TourStatus.PROCESSING_FAILED,
        stamp=clock.now_iso(),
        reason=reason,
        audit=audit_action(
            actor_id=actor_id,
            action="tour.processing_failed",
            resource_type="tour",
            resource_id=tour.id,
            details={"attempt": tour.processing_attempt, "reason": "no result within the execution timeout"},
        ),
    )
    if not failed:
        raise Conflict("the tour was changed by another request, retry")
    return tour.model_copy(update={"status": TourStatus.PROCESSING_FAILED, "processing_error": reason})


def reprocess(caller: Caller, tour_id: str) -> Resource[ProcessingAttributes]:
    """`POST /realtors/tours/{id}/reprocess`: the tour's realtor (or an admin) runs processing again.

    404 for someone else's tour; 409 unless it is processed, failed, stuck in `processing` for
    longer than an execution can run (that attempt is then recorded as failed first), or completed
    with a recording kept unprocessed because the realtor was not entitled then; 402 without the
    pro plan.
    """
    tour = store.get_tour(tour_id)
    if tour is None or not access.visible(caller, realtor_id=tour.realtor_id, buyer_id=tour.buyer_id, side="realtor"):
        raise NotFound("no such tour")
    stuck = _stuck(tour)
    # A recording kept while the realtor had no plan is processed once they have one: its first run.
    kept = tour.status is TourStatus.COMPLETED and store.recording_kept_unprocessed(tour.id)
    if tour.status not in REPROCESSABLE and not stuck and not kept:
        hours = int(EXECUTION_TIMEOUT.total_seconds()) // 3600
        raise Conflict(
            "only a processed tour, one whose processing failed, one processing for longer than "
            f"{hours} hours, or one whose recording was kept without the pro plan can be reprocessed; "
            f"this one is {tour.status.value}",
            code="INVALID_TRANSITION",
        )
    # Processing is a pro feature of the tour's realtor (whoever asks); reading results never is.
    from realty.billing.entitlements import require_pro

    require_pro(tour.realtor_id, feature="reprocessing")
    if stuck:
        tour = _fail_stuck(tour, actor_id=caller.user_id)
    # The kept recording says it is processed now, in the transaction that starts the run.
    marks = (store.recording_processing_started_action(tour.id),) if kept else ()
    started = _start(tour, attempt=None, actor_id=caller.user_id, with_actions=marks)
    return Resource[ProcessingAttributes](
        id=tour.id,
        type="tour_processing",
        attributes=ProcessingAttributes(
            status=TourStatus.PROCESSING,
            processing_attempt=started.attempt,
            processing_started_at=started.started_at,
        ),
        relationships={"tour": Relationship(id=tour.id, type="tour")},
    )
