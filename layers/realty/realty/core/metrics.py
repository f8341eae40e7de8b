"""Business and failure counters as CloudWatch embedded metrics (flushed by every handler's decorator).

Namespace `POWERTOOLS_METRICS_NAMESPACE` (one per stage), dimension `service` (the function's
`POWERTOOLS_SERVICE_NAME`). The names the alarms and dashboards rely on:

| metric | counted when |
|---|---|
| BookingsCreated | a buyer's booking request is stored |
| BookingsConfirmed | a realtor confirms a booking: its tour is scheduled (the "tours confirmed" figure) |
| BookingConflicts | a confirmation lost to an overlapping confirmed tour |
| ToursEnded | a tour's call ends and the tour becomes completed |
| ToursProcessed / TourProcessingFailed | the processing state machine finished a tour / gave up on it (alarmed) |
| StripeWebhookEvents (+ `event_type`) | a verified Stripe event, by type |
| EmailSendFailed | SES refused or could not be reached |
"""

from __future__ import annotations

from aws_lambda_powertools import Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

# Powertools shares metric state between Metrics instances of one namespace, so one module-level
# instance is enough; handlers flush it with `metrics.log_metrics` (realty.core.observability).
metrics = Metrics()


def count(name: str, value: int = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def count_by(name: str, value: int = 1, **dimensions: str) -> None:
    """A count with dimensions of its own (e.g. `event_type`), written at once as its own EMF document.

    Dimensions added to `metrics` would apply to every metric of the invocation, so a per-event
    dimension goes through a single metric instead. Keep the dimension values a small, fixed set:
    each distinct value is a separate CloudWatch metric.
    """
    if is_metrics_disabled():
        return
    with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=metrics.namespace) as metric:
        if metrics.service:
            metric.add_dimension(name="service", value=str(metrics.service))
        for dimension, dimension_value in dimensions.items():
            metric.add_dimension(name=dimension, value=dimension_value)
