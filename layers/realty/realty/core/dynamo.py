"""The DynamoDB toolkit every store uses: (de)serialisation, the one update-expression builder, the one
transaction runner with its conflict mapping, the one batch retry loop, and the one filtered-page reader.

Stores build their requests with these and keep the rules of their own items (keys, conditions,
conflict messages); nothing here knows an entity.
"""

from __future__ import annotations

import re
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence, Set
from contextlib import contextmanager
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from realty.core import actor
from realty.core.aws import client
from realty.core.errors import BadRequest, Conflict, RateLimited, UpstreamError

# DynamoDB's own number range and precision: a number it would round or refuse raises here instead.
_DYNAMODB_NUMBERS = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """A plain dict to DynamoDB's typed form; None values are left out, floats become Decimals."""
    return {k: _typed(_decimalize(v)) for k, v in values.items() if v is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain(_untyped(v)) for k, v in item.items()}


# Our own (de)serialiser rather than boto3's `boto3.dynamodb.types`: importing that imports all of
# boto3 (s3transfer, resources), ~20 ms of every cold start, for what botocore clients never need.
# Same mapping and the same refusals (floats, numbers DynamoDB cannot hold, unknown types); binary
# values read back as bytes where boto3 wraps them in its `Binary` (no item of ours holds any), and a
# set holding booleans is refused where boto3 would store them as the numbers 0 and 1.


def _typed(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if _is_number(value):
        return {"N": _number(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bytes | bytearray):
        return {"B": value}
    if isinstance(value, Set):
        for kind, test, convert in (("NS", _is_number, _number), ("SS", _is_str, _as_is), ("BS", _is_bytes, bytes)):
            if all(test(v) for v in value):
                return {kind: [convert(v) for v in value]}
    elif isinstance(value, Mapping):
        return {"M": {k: _typed(v) for k, v in value.items()}}
    elif isinstance(value, list | tuple):
        return {"L": [_typed(v) for v in value]}
    raise TypeError(f'Unsupported type "{type(value)}" for value "{value}"')


def _is_number(value: Any) -> bool:
    if isinstance(value, float):
        raise TypeError("Float types are not supported. Use Decimal types instead.")
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _as_is(value: Any) -> Any:
    # A str subclass (a str-valued Enum) goes out as its value, as boto3 and botocore's JSON send it.
    return value


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_bytes(value: Any) -> bool:
    return isinstance(value, bytes | bytearray)


def _number(value: int | Decimal) -> str:
    number = str(_DYNAMODB_NUMBERS.create_decimal(value))
    if number in ("Infinity", "NaN"):
        raise TypeError("Infinity and NaN not supported")
    return number


def _untyped(value: Mapping[str, Any]) -> Any:
    if not value:
        raise TypeError("Value must be a nonempty dictionary whose key is a valid dynamodb type.")
    kind, data = next(iter(value.items()))
    if kind in ("S", "BOOL", "B"):
        return data
    if kind == "N":
        return _DYNAMODB_NUMBERS.create_decimal(data)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: _untyped(v) for k, v in data.items()}
    if kind == "L":
        return [_untyped(v) for v in data]
    if kind == "NS":
        return {_DYNAMODB_NUMBERS.create_decimal(v) for v in data}
    if kind in ("SS", "BS"):
        return set(data)
    raise TypeError(f"Dynamodb type {kind} is not supported")


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


# DynamoDB numbers stop at 1E-130 in magnitude (and 38 significant digits, which a float's repr never
# exceeds); boto3 refuses anything closer to zero with decimal.Underflow.
_SMALLEST_NUMBER = Decimal("1E-130")


def _decimalize(value: Any) -> Any:
    if isinstance(value, float):
        number = Decimal(str(value))
        # Closer to zero than DynamoDB can store: store zero, as a float underflows to zero.
        return Decimal(0) if abs(number) < _SMALLEST_NUMBER else number
    if isinstance(value, dict):
        return {k: _decimalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimalize(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return sorted(_plain(v) for v in value)
    return value


@contextmanager
def conflicts_as(*messages: str | None) -> Iterator[None]:
    """Turn a failed condition into a `Conflict`.

    For a transaction, `messages[i]` is the message for the i-th action's condition failing (None
    where that action's failure is not a conflict the caller can act on); for a single conditional
    write, `messages[0]`. Throttling becomes 429, anything else unexpected from DynamoDB a 502.
    """
    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "ConditionalCheckFailedException":
            raise Conflict(messages[0] if messages and messages[0] else None) from error
        if code == "TransactionCanceledException":
            reasons = error.response.get("CancellationReasons") or []
            for index, reason in enumerate(reasons):
                if reason.get("Code") == "ConditionalCheckFailed":
                    message = messages[index] if index < len(messages) else None
                    raise Conflict(message) from error
            if any(r.get("Code") in {"TransactionConflict", "ThrottlingError"} for r in reasons):
                raise Conflict("the object is being changed by another request, retry") from error
            raise UpstreamError("the database refused the change, retry later") from error
        if code in {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}:
            raise RateLimited("the database is busy, retry later") from error
        raise


# ---------------------------------------------------------------- updates

_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")


def update_action(
    table: str,
    item_key: Mapping[str, Any],
    *,
    set_values: Mapping[str, Any] | None = None,
    remove: Iterable[str] = (),
    clauses: Sequence[str] = (),
    condition: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A TransactWriteItems `Update`; its inner dict is also the arguments of a single UpdateItem.

    `set_values`: top-level attributes to SET; one whose value is None is REMOVEd instead, as an
    item written whole leaves None values out. `clauses` and `remove`: SET clauses and REMOVE paths the
    caller writes itself (`version = version + :one`, `images.#image = :image`; `images.#image`).
    `condition`, `clauses` and `remove` may use the `names` (`#x`) and plain `values` (`:x`) given;
    only the placeholders an expression uses are sent, as DynamoDB refuses unused ones.
    """
    all_names: dict[str, str] = dict(names or {})
    all_values: dict[str, Any] = dict(values or {})
    assignments = list(clauses)
    removals: list[str] = []
    for index, (field, value) in enumerate((set_values or {}).items()):
        all_names[f"#u{index}"] = field
        if value is None:
            removals.append(f"#u{index}")
        else:
            all_values[f":u{index}"] = value
            assignments.append(f"#u{index} = :u{index}")
    removals += remove
    parts = []
    if assignments:
        parts.append("SET " + ", ".join(assignments))
    if removals:
        parts.append("REMOVE " + ", ".join(removals))
    expression = " ".join(parts)
    used = set(_PLACEHOLDER.findall(f"{expression} {condition or ''}"))
    update: dict[str, Any] = {"TableName": table, "Key": dict(item_key), "UpdateExpression": expression}
    if condition:
        update["ConditionExpression"] = condition
    sent_names = {k: v for k, v in all_names.items() if k in used}
    if sent_names:
        update["ExpressionAttributeNames"] = sent_names
    sent_values = to_item({k: v for k, v in all_values.items() if k in used})
    if sent_values:
        update["ExpressionAttributeValues"] = sent_values
    return {"Update": update}


# ---------------------------------------------------------------- transactions


class Guarded(NamedTuple):
    """A transaction action with the 409 message its condition failing means to the caller."""

    action: dict[str, Any]
    conflict: str


def transact(*actions: dict[str, Any] | Guarded) -> None:
    """One TransactWriteItems. An action's failed condition is a `Conflict` with its `Guarded` message
    (a plain action's is a `Conflict` without one); throttling and contention as in `conflicts_as`.

    Each message travels with its action, so adding an action never shifts another's message. On a
    guarded request the actor check rides along (`send_transaction`).
    """
    items = [a.action if isinstance(a, Guarded) else a for a in actions]
    messages = [a.conflict if isinstance(a, Guarded) else None for a in actions]
    with conflicts_as(*messages):
        send_transaction(items)


# DynamoDB's limit of actions in one TransactWriteItems.
MAX_TRANSACTION_ACTIONS = 100


def send_transaction(items: Sequence[dict[str, Any]]) -> None:
    """TransactWriteItems of these actions, as they are, plus the actor check on a guarded request.

    Every transaction of the stores goes through here (`transact` for 409s; the stores whose failed
    conditions are outcomes call it directly and read the `ClientError` with `failed_conditions`).
    On a guarded request (`realty.core.actor`) the check is a ConditionCheck on the identity item
    after the given actions, so their indexes stay theirs; an action that is itself on the identity
    item (the actor editing or signing out their own account) carries the condition instead, since
    a transaction may touch an item only once. A transaction already at DynamoDB's 100 actions is
    checked with a read first (`actor.confirm`). A failed check is `Unauthorized`: nothing is written.
    """
    guard = actor.current()
    sent = list(items)
    checked: int | None = None
    if guard is not None:
        own = _action_on(sent, guard.table, guard.key)
        if own is not None:
            sent[own] = _with_guard(sent[own], guard)
            checked = own
        elif len(sent) < MAX_TRANSACTION_ACTIONS:
            sent.append(guard.condition_check())
            checked = len(sent) - 1
        else:
            actor.confirm()
    try:
        client("dynamodb").transact_write_items(TransactItems=sent)
    except ClientError as error:
        if guard is not None and checked is not None:
            _raise_refusal(error, guard, checked)
        raise
    if guard is not None:
        guard.confirmed = True


def _action_on(items: Sequence[Mapping[str, Any]], table: str, item_key: Mapping[str, Any]) -> int | None:
    """The index of the action on this item, if any (a Put names its key inside its item)."""
    for index, item in enumerate(items):
        kind, request = next(iter(item.items()))
        if request.get("TableName") != table:
            continue
        found = request.get("Key") if kind != "Put" else request.get("Item")
        if found and all(found.get(name) == value for name, value in item_key.items()):
            return index
    return None


def _with_guard(item: Mapping[str, Any], guard: actor.ActorGuard) -> dict[str, Any]:
    """The action with the guard's condition added to its own (its placeholders are `#actor_*`/`:actor_*`)."""
    kind, request = next(iter(item.items()))
    expression, names, values = guard.condition()
    own = request.get("ConditionExpression")
    changed = dict(request)
    changed["ConditionExpression"] = f"({own}) AND ({expression})" if own else expression
    changed["ExpressionAttributeNames"] = {**(request.get("ExpressionAttributeNames") or {}), **names}
    changed["ExpressionAttributeValues"] = {**(request.get("ExpressionAttributeValues") or {}), **values}
    changed["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return {kind: changed}


def _raise_refusal(error: ClientError, guard: actor.ActorGuard, checked: int) -> None:
    """Raise the guard's 401 if the checked action failed because of the actor (for a folded action,
    its own condition may be what failed: the returned item tells which)."""
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return
    reasons = error.response.get("CancellationReasons") or []
    if checked >= len(reasons) or reasons[checked].get("Code") != "ConditionalCheckFailed":
        return
    refusal = guard.refusal(reasons[checked].get("Item"))
    if refusal is not None:
        raise refusal from error


def put_item(put: Mapping[str, Any]) -> None:
    """One PutItem on its own (a request's audit item of a change outside DynamoDB); on a guarded
    request, a transaction of it and the actor check instead, so it is refused like any change."""
    if actor.current() is None:
        client("dynamodb").put_item(**put)
        return
    with conflicts_as():
        send_transaction([{"Put": dict(put)}])


def failed_conditions(error: ClientError) -> set[int]:
    """Indexes of a cancelled transaction's actions whose condition failed (empty for any other error),
    for the stores whose failed conditions are outcomes rather than 409s (billing sync, processing)."""
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return set()
    reasons = error.response.get("CancellationReasons") or []
    return {index for index, reason in enumerate(reasons) if reason.get("Code") == "ConditionalCheckFailed"}


# ---------------------------------------------------------------- batches

# Batch calls answer what they could and name the rest (throttled): a few quick rounds, backing off
# before each retry, then the database is busy (429 on a request; a processing step converts it).
BATCH_ROUNDS = 4
_BATCH_GET_KEYS = 100
_BATCH_WRITE_REQUESTS = 25


def _backoff(attempt: int) -> None:
    if attempt:
        time.sleep(0.05 * 2**attempt)


def batch_get(table: str, keys: Sequence[Mapping[str, Any]], *, consistent: bool = False) -> list[dict[str, Any]]:
    """The items (plain) of these keys that exist, in no particular order: BatchGetItem, 100 keys a call."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(keys), _BATCH_GET_KEYS):
        request: dict[str, Any] = {"Keys": list(keys[start : start + _BATCH_GET_KEYS])}
        if consistent:
            request["ConsistentRead"] = True
        pending: dict[str, Any] = {table: request}
        for attempt in range(BATCH_ROUNDS):
            _backoff(attempt)
            response = client("dynamodb").batch_get_item(RequestItems=pending)
            found += [from_item(item) for item in (response.get("Responses") or {}).get(table, [])]
            pending = response.get("UnprocessedKeys") or {}
            if not pending.get(table):
                break
        else:
            raise RateLimited("the database is busy, retry later")
    return found


def batch_write(table: str, requests: Sequence[Mapping[str, Any]]) -> None:
    """`PutRequest`/`DeleteRequest`s with BatchWriteItem, 25 a call, retrying what was left unprocessed."""
    for start in range(0, len(requests), _BATCH_WRITE_REQUESTS):
        pending = list(requests[start : start + _BATCH_WRITE_REQUESTS])
        for attempt in range(BATCH_ROUNDS):
            _backoff(attempt)
            response = client("dynamodb").batch_write_item(RequestItems={table: pending})
            pending = (response.get("UnprocessedItems") or {}).get(table) or []
            if not pending:
                break
        else:
            raise RateLimited("the database is busy, retry later")


# ---------------------------------------------------------------- list pages

# A filtered page may need several Query calls; past this many, the page is returned short, with a
# cursor, rather than risk the function's timeout on a very selective filter.
MAX_QUERY_CALLS_PER_PAGE = 20
# A filtered Query reads this many items per call and the page is cut from what matched.
FILTERED_PAGE_SIZE = 100


def index_key_names(index: str | None) -> frozenset[str]:
    """The attributes of a LastEvaluatedKey (and so of a cursor) of a Query on the table or an index."""
    return frozenset({"PK", "SK"} | ({f"{index}PK", f"{index}SK"} if index else set()))


def query_page(
    request: Mapping[str, Any],
    *,
    limit: int,
    start_key: Mapping[str, Any] | None,
    key_names: Collection[str],
    read_ahead: int | None = None,
    max_read_ahead: int | None = None,
    max_calls: int = MAX_QUERY_CALLS_PER_PAGE,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Up to `limit` items (typed) of one Query from `start_key` on, and the key to resume after the last.

    Every list pages this way. Unfiltered, one Query of `limit` items. Filtered, the Query reads
    ahead `read_ahead` (default `FILTERED_PAGE_SIZE`) items a call until `limit` matched, the
    partition ended or `max_calls` calls were made (the page is then short, with a cursor), and a
    page cut short of what matched resumes from its last item's own key, so the next page starts
    exactly after it. With `max_read_ahead`,
    a call that matched too few reads the next one as far as its match rate says the rest of the
    page needs (up to that bound): a selective filter takes two calls, not a dozen. A resume key
    whose attributes are not this query's (`key_names`) is a bad cursor.
    """
    if start_key is not None and set(start_key) != set(key_names):
        raise BadRequest("cursor is invalid or belongs to another query", field="cursor")
    query = dict(request)
    if start_key:
        query["ExclusiveStartKey"] = dict(start_key)
    filtered = "FilterExpression" in query
    found: list[dict[str, Any]] = []
    batch = read_ahead or FILTERED_PAGE_SIZE
    for _ in range(max_calls):
        room = limit - len(found)
        query["Limit"] = batch if filtered else room
        response = client("dynamodb").query(**query)
        items = response.get("Items") or []
        last = response.get("LastEvaluatedKey")
        if len(items) > room:
            found.extend(items[:room])
            return found, {name: found[-1][name] for name in key_names}
        found.extend(items)
        if not last or len(found) == limit:
            return found, last
        query["ExclusiveStartKey"] = last
        if max_read_ahead is not None:
            batch = _read_ahead_for(limit - len(found), response, batch, max_read_ahead)
    return found, query.get("ExclusiveStartKey")


def _read_ahead_for(missing: int, response: Mapping[str, Any], batch: int, ceiling: int) -> int:
    """How many items the next call reads to match `missing` more, at the last call's match rate
    (with half again as margin), between the last call's read-ahead and `ceiling`."""
    matched = int(response.get("Count") or 0)
    scanned = int(response.get("ScannedCount") or batch)
    if not matched:
        return max(batch, ceiling)
    wanted = -(-missing * scanned * 3 // (matched * 2))  # ceil(missing / (matched / scanned) * 1.5)
    return max(batch, min(ceiling, wanted))
