"""DynamoDB access for billing: the account, the Stripe customer lookup, the processed-event marks."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from realty.billing.models import BillingAccount
from realty.core import clock
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import (
    Guarded,
    conflicts_as,
    failed_conditions,
    from_item,
    key,
    send_transaction,
    to_item,
    transact,
    update_action,
)

EVENT_MARK_TTL_SECONDS = 30 * 24 * 3600

# The account fields a Stripe sync owns (everything but the identity, the customer and created_at).
_SYNCED_FIELDS = (
    "plan",
    "status",
    "subscription_id",
    "price_id",
    "current_period_end",
    "cancel_at_period_end",
    "synced_at_ms",
    "updated_at",
)


class SyncOutcome(StrEnum):
    APPLIED = "applied"  # account updated and event marked, in one transaction
    STALE = "stale"  # a newer read of the subscription is already stored; event marked only
    DUPLICATE = "duplicate"  # the event was already processed; nothing written


def _account_key(user_id: str) -> dict[str, Any]:
    return key(f"BILLING#{user_id}", "ACCOUNT")


def _customer_key(customer_id: str) -> dict[str, Any]:
    return key(f"STRIPE_CUSTOMER#{customer_id}", "CUSTOMER")


def _event_key(event_id: str) -> dict[str, Any]:
    return key(f"STRIPE_EVENT#{event_id}", "EVENT")


def _account_item(account: BillingAccount) -> dict[str, Any]:
    values = account.model_dump(mode="json")
    return {"PK": f"BILLING#{account.user_id}", "SK": "ACCOUNT", "entity": "billing_account", **values}


def get_account(user_id: str) -> BillingAccount | None:
    response = client("dynamodb").get_item(TableName=get_settings().main_table, Key=_account_key(user_id))
    item = response.get("Item")
    return BillingAccount.model_validate(from_item(item)) if item else None


def get_customer_user(customer_id: str) -> str | None:
    """The user a Stripe customer belongs to (only customers we created have a lookup item)."""
    response = client("dynamodb").get_item(TableName=get_settings().main_table, Key=_customer_key(customer_id))
    item = response.get("Item")
    return str(from_item(item)["user_id"]) if item else None


def event_processed(event_id: str) -> bool:
    response = client("dynamodb").get_item(
        TableName=get_settings().main_table, Key=_event_key(event_id), ProjectionExpression="PK"
    )
    return "Item" in response


def link_customer(user_id: str, customer_id: str, *, stamp: str, audit: dict[str, Any]) -> None:
    """Store the realtor's Stripe customer and its reverse lookup together, with the audit item.

    The account may already exist (a granted plan) or not; its customer, once set, never changes.
    """
    table = get_settings().main_table
    account = update_action(
        table,
        _account_key(user_id),
        set_values={"customer_id": customer_id, "entity": "billing_account", "user_id": user_id, "updated_at": stamp},
        clauses=[
            "#plan = if_not_exists(#plan, :free)",
            "#status = if_not_exists(#status, :none)",
            "cancel_at_period_end = if_not_exists(cancel_at_period_end, :false)",
            "created_at = if_not_exists(created_at, :stamp)",
        ],
        condition="attribute_not_exists(customer_id) OR customer_id = :customer",
        names={"#plan": "plan", "#status": "status"},
        values={":customer": customer_id, ":free": "free", ":none": "none", ":false": False, ":stamp": stamp},
    )
    lookup = {
        "Put": {
            "TableName": table,
            "Item": to_item(
                {
                    "PK": f"STRIPE_CUSTOMER#{customer_id}",
                    "SK": "CUSTOMER",
                    "entity": "stripe_customer",
                    "customer_id": customer_id,
                    "user_id": user_id,
                    "created_at": stamp,
                }
            ),
            "ConditionExpression": "attribute_not_exists(PK) OR user_id = :user",
            "ExpressionAttributeValues": to_item({":user": user_id}),
        }
    }
    transact(
        Guarded(account, "the billing account already has another payment customer"),
        Guarded(lookup, "this payment customer belongs to another account"),
        audit,
    )


def set_complimentary(user_id: str, values: dict[str, Any], *, stamp: str, audit: dict[str, Any]) -> None:
    """Set the complimentary-plan fields only (None removes one), creating the account if it is new.

    The Stripe fields are left alone, as a webhook leaves these alone: the two never race.
    """
    update = update_action(
        get_settings().main_table,
        _account_key(user_id),
        set_values={**values, "entity": "billing_account", "user_id": user_id, "updated_at": stamp},
        clauses=[
            "#plan = if_not_exists(#plan, :free)",
            "#status = if_not_exists(#status, :none)",
            "cancel_at_period_end = if_not_exists(cancel_at_period_end, :false)",
            "created_at = if_not_exists(created_at, :stamp)",
        ],
        names={"#plan": "plan", "#status": "status"},
        values={":free": "free", ":none": "none", ":false": False, ":stamp": stamp},
    )
    transact(update, audit)


def put_account(account: BillingAccount, *, audit: dict[str, Any]) -> None:
    """Write the whole account (plans granted outside Stripe), with its audit item."""
    transact({"Put": {"TableName": get_settings().main_table, "Item": to_item(_account_item(account))}}, audit)


def _mark_put(event_id: str, event_type: str) -> dict[str, Any]:
    now = clock.now()
    return {
        "Put": {
            "TableName": get_settings().main_table,
            "Item": to_item(
                {
                    "PK": f"STRIPE_EVENT#{event_id}",
                    "SK": "EVENT",
                    "entity": "stripe_event",
                    "event_type": event_type,
                    "processed_at": clock.iso(now),
                    "expires_at": int(now.timestamp()) + EVENT_MARK_TTL_SECONDS,
                }
            ),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }


def _sync_update(account: BillingAccount) -> dict[str, Any]:
    """Upsert the subscription fields, unless a later read of the subscription is already stored."""
    values = account.model_dump(mode="json")
    clauses = ["created_at = if_not_exists(created_at, :created)"]
    if account.customer_id:
        clauses.append("customer_id = if_not_exists(customer_id, :customer)")
    return update_action(
        get_settings().main_table,
        _account_key(account.user_id),
        set_values={
            **{name: values[name] for name in _SYNCED_FIELDS},  # None: removed
            "entity": "billing_account",
            "user_id": account.user_id,
        },
        clauses=clauses,
        condition="attribute_not_exists(#synced_at_ms) OR #synced_at_ms <= :synced_at_ms",
        names={"#synced_at_ms": "synced_at_ms"},
        values={
            ":synced_at_ms": values["synced_at_ms"],
            ":created": account.created_at,
            ":customer": account.customer_id,
        },
    )


def save_sync(account: BillingAccount, *, event_id: str, event_type: str, audit: dict[str, Any] | None) -> SyncOutcome:
    """Store a subscription read from Stripe and mark the event processed, in one transaction.

    The mark is written only if the change is, so an event whose processing fails stays retriable.
    """
    actions = [_sync_update(account), _mark_put(event_id, event_type)] + ([audit] if audit else [])
    with conflicts_as("the billing account is being changed by another request, retry"):
        try:
            send_transaction(actions)
        except ClientError as error:
            failed = failed_conditions(error)
            if 1 in failed:
                return SyncOutcome.DUPLICATE
            if failed != {0}:
                raise
        else:
            return SyncOutcome.APPLIED
    # A newer read of the subscription won the race: nothing to change, but the event is handled.
    return SyncOutcome.STALE if mark_event(event_id, event_type) else SyncOutcome.DUPLICATE


def mark_event(event_id: str, event_type: str) -> bool:
    """Record an event as processed; False when it already was."""
    put = _mark_put(event_id, event_type)["Put"]
    try:
        client("dynamodb").put_item(**put)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        with conflicts_as():
            raise
    return True
