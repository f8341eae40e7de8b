"""Business and failure counters as CloudWatch embedded metrics (flushed by `make_handler`)."""

from __future__ import annotations

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

# Powertools shares metric state between Metrics instances of one namespace, so one module-level
# instance is enough; handlers flush it with `metrics.log_metrics`.
metrics = Metrics()


def count(name: str, value: int = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
