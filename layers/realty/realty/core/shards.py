"""Population partitions split into shards, and the one merged read of a sharded list.

A key every item of a population carries (`PROPERTIES`, `BOOKINGS`, `TOURS`, `USERS` on the main
table's GSIs; `AUDIT` on the audit table's GSI2) would put the whole population in one partition:
one partition's throughput (1,000 WCU/s, 3,000 RCU/s) caps every write and read of it. Each such key
is written as `<NAME>#<shard>` instead, the shard a stable hash of the item's id (`partition`), and a
list of the population reads every shard at once and merges them by sort key (`read_page`), so a page
is exactly the page a single partition would give, in the same order, at one Query per shard.

`SHARDS` is 2: the admin lists stay at two Queries a page (the house limit), and two partitions carry
twice the writes of one (the audit feed, written outside transactions on its GSI, about four times
today's ceiling: see docs/scale.md). More shards would spread more but cost a Query each per page.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from realty.core.dynamo import query_page
from realty.core.errors import BadRequest

SHARDS = 2
POPULATIONS = frozenset({"PROPERTIES", "BOOKINGS", "TOURS", "USERS", "AUDIT"})

# A shard's place in a merged cursor: not read yet (None), read to the end (_DONE), or the key to
# resume after (a LastEvaluatedKey, or the key of the last item of it a page returned).
_DONE = "end"


def shard_of(item_id: str) -> int:
    """The shard of an item: CRC-32 of its id (stable across processes, unlike `hash`), mod SHARDS."""
    return zlib.crc32(item_id.encode()) % SHARDS


def partition(population: str, item_id: str) -> str:
    """The partition key value a population's item is written under: `<POPULATION>#<shard>`.

    The one place these keys are made (stores, copies, the re-key script all call it)."""
    if population not in POPULATIONS:
        raise ValueError(f"{population} is not a sharded population")
    return f"{population}#{shard_of(item_id)}"


def partitions(population: str) -> list[str]:
    """Every partition of a population, in shard order."""
    if population not in POPULATIONS:
        raise ValueError(f"{population} is not a sharded population")
    return [f"{population}#{shard}" for shard in range(SHARDS)]


def read_page(
    request: Mapping[str, Any],
    *,
    limit: int,
    start_key: Mapping[str, Any] | None,
    key_names: Collection[str],
    pk_value: str = ":pk",
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """A page of one Query, like `query_page`; when its partition (`request`'s `pk_value`) names a
    sharded population, the merged page of all its shards instead (`merged_page`).

    Every list read goes through here, so a store never decides how a population is stored.
    """
    name = request["ExpressionAttributeValues"][pk_value]["S"]
    if name not in POPULATIONS:
        return query_page(request, limit=limit, start_key=start_key, key_names=key_names)
    return merged_page(
        request, partitions(name), limit=limit, start_key=start_key, key_names=key_names, pk_value=pk_value
    )


def merged_page(
    request: Mapping[str, Any],
    shard_partitions: Sequence[str],
    *,
    limit: int,
    start_key: Mapping[str, Any] | None,
    key_names: Collection[str],
    pk_value: str = ":pk",
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Up to `limit` items (typed) of the same Query over several partitions, merged in its sort-key
    order, and the cursor to resume after the last (None at the end of every shard).

    Each shard is read with `query_page` for up to `limit` items from its own position, concurrently;
    the page is the first `limit` of their merge. A shard's next position is the key of the last of
    its items the page took (or where its read stopped, if the page took all it read), so nothing is
    skipped or repeated. A shard whose filtered read stopped short (`query_page`'s call cap) only
    lets through items that sort before where it stopped: what it has not read may come first.
    The cursor is `{"shards": [position, ...]}`, encrypted like any other (`core.pagination`).
    """
    positions = _positions(start_key, len(shard_partitions), key_names)
    index = request.get("IndexName")
    sort_name = f"{index}SK" if index else "SK"
    descending = request.get("ScanIndexForward") is False

    def read(shard: int) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        values = dict(request["ExpressionAttributeValues"])
        values[pk_value] = {"S": shard_partitions[shard]}
        position = positions[shard]
        resume = position if isinstance(position, dict) else None
        return query_page(
            {**request, "ExpressionAttributeValues": values}, limit=limit, start_key=resume, key_names=key_names
        )

    pending = [shard for shard, position in enumerate(positions) if position != _DONE]
    results = _concurrently(read, pending)

    candidates: list[tuple[str, int, dict[str, Any]]] = []
    frontiers: list[str] = []
    for shard, (items, last) in results.items():
        candidates += [(item[sort_name]["S"], shard, item) for item in items]
        if last is not None and len(items) < limit:
            frontiers.append(last[sort_name]["S"])  # stopped short: beyond this it has not looked
    candidates.sort(key=lambda c: c[0], reverse=descending)
    if frontiers:
        bound = max(frontiers) if descending else min(frontiers)
        candidates = [c for c in candidates if (c[0] >= bound if descending else c[0] <= bound)]
    page = candidates[:limit]

    next_positions = list(positions)
    for shard, (items, last) in results.items():
        taken = [item for _, s, item in page if s == shard]
        if len(taken) == len(items):
            next_positions[shard] = last if last is not None else _DONE
        elif taken:
            next_positions[shard] = {name: taken[-1][name] for name in key_names}
    if all(position == _DONE for position in next_positions):
        return [item for _, _, item in page], None
    return [item for _, _, item in page], {"shards": next_positions}


def _positions(start_key: Mapping[str, Any] | None, count: int, key_names: Collection[str]) -> list[Any]:
    if start_key is None:
        return [None] * count
    shards = start_key.get("shards") if set(start_key) == {"shards"} else None
    valid = isinstance(shards, list) and len(shards) == count
    if valid:
        for position in shards or []:
            if position is None or position == _DONE:
                continue
            if not isinstance(position, dict) or set(position) != set(key_names):
                valid = False
    if not valid:
        raise BadRequest("cursor is invalid or belongs to another query", field="cursor")
    return list(shards or [])


def _concurrently(read: Any, shards: list[int]) -> dict[int, tuple[list[dict[str, Any]], dict[str, Any] | None]]:
    """Each shard's read, in parallel threads (a page costs one round trip, not one per shard).

    Safe off the request's thread: reads need no actor check (`core.actor` guards changes), botocore
    clients are thread-safe, and on Lambda the X-Ray SDK gives a new thread the invocation's trace
    from its environment, so the shard Queries are traced under the same trace id (beside the
    handler's subsegment rather than inside it)."""
    if len(shards) <= 1:
        return {shard: read(shard) for shard in shards}
    # Imported here: only the admin lists and the audit feed read shards.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(shards)) as pool:
        futures = {shard: pool.submit(read, shard) for shard in shards}
        return {shard: future.result() for shard, future in futures.items()}
