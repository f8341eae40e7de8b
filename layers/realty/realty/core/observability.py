"""Logs, traces and metrics around every Lambda handler, in one decorator.

`@instrument_handler(correlation_id_path=...)` stacks the three Powertools utilities the way they
are meant to be stacked (logger outermost, so everything below logs with the Lambda context):

- Logger: JSON lines with the function's name, cold start, request id, X-Ray trace id and the
  correlation id found at `correlation_id_path` in the event (a JMESPath; a path that matches
  nothing leaves it empty, it never fails the invocation). The event itself is never logged.
- Tracer: an X-Ray subsegment for the handler (annotated with ColdStart and the service) and one per
  botocore call. Responses are not captured (they hold tokens and personal data). Built on the
  first invocation X-Ray samples, not at import (see `tracer()`); never outside Lambda or wherever
  `POWERTOOLS_TRACE_DISABLED=true` (tests, local stack).
- Metrics: what `realty.core.metrics.count` recorded during the invocation, flushed as one EMF document.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger

from realty.core import snapstart
from realty.core.metrics import metrics

Handler = TypeVar("Handler", bound=Callable[..., Any])

logger = Logger()

# Correlation ids of the events that are not API requests (API functions use the request id).
S3_REQUEST_ID = 'Records[0].responseElements."x-amz-request-id"'
EVENTBRIDGE_ID = "id"

# The Powertools Tracer, once an invocation needed it. Building it imports the X-Ray SDK (and wrapt)
# and patches botocore: about 10% of an API function's cold import, paid by every container at
# init when it was module-level, although X-Ray records only the invocations it samples (by default
# the first request each second and 5% of the rest). Invocations X-Ray does not sample, tests and
# the local stack never load it; botocore forwards the trace header on its own either way.
_tracer: Any = None
_tracer_lock = threading.Lock()
# Whether this container already answered an invocation (the ColdStart annotation of a tracer
# built after that must say false).
_served = False


def tracing_enabled() -> bool:
    """Powertools' own rule: tracing is off outside Lambda, under SAM local, and with `POWERTOOLS_TRACE_DISABLED`."""
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in {"1", "true", "yes", "on"}:
        return False
    return bool(os.environ.get("LAMBDA_TASK_ROOT")) and not os.environ.get("AWS_SAM_LOCAL")


def invocation_sampled() -> bool:
    """Whether X-Ray samples the current invocation (Lambda sets its trace header before each one)."""
    return "Sampled=1" in os.environ.get("_X_AMZN_TRACE_ID", "")


def tracer() -> Any:
    """The Powertools Tracer (X-Ray SDK loaded, botocore patched), built once per container."""
    global _tracer
    with _tracer_lock:
        if _tracer is None:
            from aws_lambda_powertools import Tracer
            from aws_lambda_powertools.tracing import tracer as tracer_module

            # botocore only: letting the X-Ray SDK patch every library it knows imports requests,
            # httpx... (measured: ~175 ms of CPU instead of ~35 ms for the SDK and the botocore patch).
            built = Tracer(patch_modules=("botocore",))
            if _served:  # Powertools would annotate its first traced invocation as the cold start
                tracer_module.is_cold_start = False
            _tracer = built
        return _tracer


def _traced(handler: Handler) -> Handler:
    """`handler` inside the tracer's subsegment once tracing is on and an invocation is sampled."""
    captured: Callable[..., Any] | None = None

    @functools.wraps(handler)
    def invoke(event: Any, context: Any) -> Any:
        global _served
        nonlocal captured
        if captured is None and tracing_enabled() and (_tracer is not None or invocation_sampled()):
            captured = tracer().capture_lambda_handler(handler, capture_response=False)
        try:
            return (captured or handler)(event, context)
        finally:
            _served = True

    return cast(Handler, invoke)


def instrument_handler(*, correlation_id_path: str | None = None) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        flushed = metrics.log_metrics(handler, raise_on_empty_metrics=False)
        traced = _traced(flushed)
        logged = logger.inject_lambda_context(traced, correlation_id_path=correlation_id_path, clear_state=True)
        return cast(Handler, logged)

    return decorate


@snapstart.before_snapshot
def _prime_tracer() -> None:
    """A snapshot is restored many times and most restores answer a sampled request soon: pay the
    X-Ray SDK once, before the snapshot, instead of after each restore."""
    if tracing_enabled():
        tracer()


@snapstart.after_restore
def _renew_xray_emitter() -> None:
    """The SDK's UDP emitter was made for the daemon address of the container that took the snapshot."""
    if _tracer is None:
        return
    from aws_xray_sdk.core import xray_recorder
    from aws_xray_sdk.core.emitters.udp_emitter import UDPEmitter

    emitter = UDPEmitter()
    emitter.set_daemon_address(os.environ.get("AWS_XRAY_DAEMON_ADDRESS"))
    xray_recorder.emitter = emitter
