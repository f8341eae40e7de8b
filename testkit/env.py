"""Environment every test runs under: fake credentials, fixed resource names, no real AWS."""

from __future__ import annotations

import os

TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "STAGE": "test",
    "MAIN_TABLE": "realty-test-main",
    "AUDIT_TABLE": "realty-test-audit",
    "IDEMPOTENCY_TABLE": "realty-test-idempotency",
    "POWERTOOLS_SERVICE_NAME": "realtyforyou",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "RealtyForYouTest",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


def apply() -> None:
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(TEST_ENV)
