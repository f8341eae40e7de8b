"""CloudFormation custom resources: run the change a stack event asks for and always answer it.

CloudFormation waits for the answer (a PUT of a JSON document to the event's presigned
`ResponseURL`) up to an hour, so every outcome is answered, an error as FAILED with its reason. A
Delete is always answered SUCCESS: a resource that cannot be removed must never block the stack's
deletion or the rollback of a failed create. The physical id stays the one `apply` returns on every
Update of the same target: a new id would make CloudFormation delete the "old" resource, which is
the one just written. urllib, not an HTTP library: the answer is one PUT.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger

logger = Logger()

Properties = Mapping[str, Any]
ANSWER_TIMEOUT_SECONDS = 10


def handle(
    event: Mapping[str, Any],
    *,
    apply: Callable[[Properties], str],
    remove: Callable[[Properties], None],
) -> str:
    """Create and Update call `apply(properties)`, which returns the physical id; Delete calls
    `remove(properties)`. Answers CloudFormation and returns the status sent."""
    request_type = str(event["RequestType"])
    properties = dict(event.get("ResourceProperties") or {})
    properties.pop("ServiceToken", None)
    physical_id = str(event.get("PhysicalResourceId") or f"{event['LogicalResourceId']}-{event['RequestId']}")
    status, reason = "SUCCESS", ""
    try:
        if request_type == "Delete":
            remove(properties)
        else:
            physical_id = apply(properties)
    except Exception as error:
        # Logged with its traceback; the reason CloudFormation shows names the error, not its details.
        logger.exception("custom resource request failed", extra={"request_type": request_type})
        if request_type != "Delete":
            status, reason = "FAILED", f"{type(error).__name__}: {error}"[:500]
    answer(event, status=status, physical_id=physical_id, reason=reason)
    return status


def answer(event: Mapping[str, Any], *, status: str, physical_id: str, reason: str = "") -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason or f"see the function's log stream ({status})",
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
        }
    ).encode()
    # The presigned URL signs no content type: the header must be empty.
    request = urllib.request.Request(  # noqa: S310 - CloudFormation's own https URL
        str(event["ResponseURL"]), data=body, method="PUT", headers={"Content-Type": ""}
    )
    with urllib.request.urlopen(request, timeout=ANSWER_TIMEOUT_SECONDS) as response:  # noqa: S310
        response.read()
