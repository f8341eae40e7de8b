"""Counting the AWS calls our code makes, on the botocore clients themselves.

Every AWS client the layer uses comes from `realty.core.aws.client`, which creates it from one
boto3 session per container. A botocore `before-call` handler registered on that session's event
system is copied into every client created afterwards, so registering it once (and dropping the
cached clients) counts every API call of every client: one count per logical call, before retries,
whatever answers it (moto here). Presigned URLs and POSTs make no call and are not counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

HANDLER_ID = "realty-bench-call-counter"


@dataclass(frozen=True)
class AwsCall:
    service: str  # botocore's event name for the service: dynamodb, s3, secrets-manager, ...
    operation: str  # GetItem, TransactWriteItems, PutObject, ...


@dataclass
class CallLog:
    calls: list[AwsCall] = field(default_factory=list)

    def mark(self) -> int:
        return len(self.calls)

    def since(self, mark: int) -> list[AwsCall]:
        return self.calls[mark:]


def dynamodb_operations(calls: list[AwsCall]) -> Counter[str]:
    return Counter(c.operation for c in calls if c.service == "dynamodb")


def other_operations(calls: list[AwsCall]) -> Counter[str]:
    return Counter(f"{c.service}:{c.operation}" for c in calls if c.service != "dynamodb")


def _session_events() -> Any:
    from realty.core import aws

    return aws._session().get_component("event_emitter")


@contextmanager
def counting() -> Iterator[CallLog]:
    """Count every call made through `realty.core.aws.client` clients while the block runs."""
    from realty.core.aws import reset_clients

    log = CallLog()

    def before_call(event_name: str, model: Any, **_: Any) -> None:
        service = event_name.split(".")[1] if event_name.count(".") >= 2 else "?"
        log.calls.append(AwsCall(service=service, operation=str(model.name)))

    events = _session_events()
    events.register("before-call", before_call, unique_id=HANDLER_ID)
    reset_clients()  # clients copy the session's handlers when created: recreate them with ours
    try:
        yield log
    finally:
        events.unregister("before-call", unique_id=HANDLER_ID)
        reset_clients()
