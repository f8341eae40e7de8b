"""The append-only audit trail: one immutable item per mutation.

Where the change itself is a DynamoDB write, put `audit_action(...)` into the same
TransactWriteItems; otherwise (Cognito, S3, Chime...) call `record(...)` after the change.
"""

from __future__ import annotations

from typing import Any

from realty.core import clock, ids, shards
from realty.core.config import get_settings
from realty.core.dynamo import put_item, to_item

# The actor of every change no user asked for in a request: Chime's and S3's events, the processing
# pipeline, image uploads, a plan set without Stripe. One value for all of them; the item's `action`
# (and `details`) say which machinery it was. "system" is what calls, media and billing have always
# written and what tests and admin filters read; processing alone wrote "system:tour-processing",
# and its audit items from before this value was shared (immutable) keep it.
SYSTEM_ACTOR = "system"

# Never copied into the audit trail, whatever a caller passes in `details`.
_REDACTED_KEYS = {"password", "new_password", "code", "token", "access_token", "refresh_token", "id_token", "phone"}


def audit_item(
    *, actor_id: str, action: str, resource_type: str, resource_id: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    audit_id = ids.new_id()
    created_at = clock.now_iso()
    order = f"{created_at}#{audit_id}"
    safe_details = {k: v for k, v in (details or {}).items() if k not in _REDACTED_KEYS}
    return {
        **audit_keys(audit_id, actor_id, resource_type, resource_id, order),
        "id": audit_id,
        "actor_id": actor_id,
        "action": action,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "details": safe_details,
        "created_at": created_at,
    }


def audit_keys(audit_id: str, actor_id: str, resource_type: str, resource_id: str, order: str) -> dict[str, str]:
    """The keys of an audit item (the one place they are made; the re-key script calls it too).

    The table's own key is the resource's history, `RESOURCE#<type>#<id>`: every mutation writes an
    audit item inside its transaction (2 WCU), and keyed by what changed those writes spread over as
    many partitions as there are resources. The newest-first feed of everything is GSI2, sharded
    `AUDIT#<0|1>` by the audit id (`realty.core.shards`): GSI writes are not transactional (1 WCU),
    so its two partitions carry about four times what the one `AUDIT` base partition did."""
    return {
        "PK": f"RESOURCE#{resource_type}#{resource_id}",
        "SK": order,
        "GSI1PK": f"ACTOR#{actor_id}",
        "GSI1SK": order,
        "GSI2PK": shards.partition("AUDIT", audit_id),
        "GSI2SK": order,
    }


def audit_action(**kwargs: Any) -> dict[str, Any]:
    """A TransactWriteItems `Put` of one audit item (never overwrites: audit items are immutable)."""
    return {
        "Put": {
            "TableName": get_settings().audit_table,
            "Item": to_item(audit_item(**kwargs)),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }


def record(**kwargs: Any) -> None:
    """Write one audit item on its own, for changes that are not DynamoDB writes (on a state-changing
    request, with the actor check: see `realty.core.dynamo.put_item`)."""
    put_item(audit_action(**kwargs)["Put"])
