"""Which DynamoDB partitions the local stack's moto serves, for `make load PROFILE=peak`.

Set `REALTY_PARTITION_LOG=<file>` and the stack counts, per (table, index, partition key value), the
reads (Query, GetItem and each key of a BatchGetItem) and the writes (every item written: its table
partition and, for each GSI whose key the item carries, that index's partition, since DynamoDB writes
the index too), and keeps the counts in that file as JSON (rewritten every second and at stop).
Counted in moto's backend, after the request is parsed, so it sees what DynamoDB would: a write
inside a transaction is counted like any other, an update by the item it leaves behind.

Off unless the variable is set: nothing else of the stack pays for it.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

_COUNTS: Counter[tuple[str, str, str, str]] = Counter()  # (kind, table, index, value) -> requests
_LOCK = threading.Lock()
_INSTALLED = False
_ORIGINALS: dict[str, Any] = {}


def install(path: Path | None) -> None:
    """Count from now on; with `path`, keep the counts in that file (every second and at exit)."""
    global _INSTALLED
    if _INSTALLED:
        return
    from moto.dynamodb.models import DynamoDBBackend

    for name in ("put_item", "update_item"):
        _wrap(DynamoDBBackend, name, _record_write)
    _wrap(DynamoDBBackend, "delete_item", _record_delete)
    _wrap(DynamoDBBackend, "get_item", _record_get)
    _wrap(DynamoDBBackend, "query", _record_query)
    _wrap(DynamoDBBackend, "transact_write_items", None)  # its condition checks are not reads
    _INSTALLED = True
    if path is not None:
        _start_flushing(path)


def uninstall() -> None:
    """Stop counting and forget the counts (tests)."""
    global _INSTALLED
    from moto.dynamodb.models import DynamoDBBackend

    for name, original in _ORIGINALS.items():
        setattr(DynamoDBBackend, name, original)
    _ORIGINALS.clear()
    with _LOCK:
        _COUNTS.clear()
    _INSTALLED = False


def _wrap(cls: Any, name: str, record: Any) -> None:
    original = getattr(cls, name)
    _ORIGINALS[name] = original

    @functools.wraps(original)
    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        # Inside a write, moto reads the item to check its condition: that is the write's, not a read.
        nested = getattr(_WRITING, "active", False)
        if record is None or record in _WRITES:
            _WRITING.active = True
        try:
            result = original(self, *args, **kwargs)
        finally:
            _WRITING.active = nested
        if record is not None and not (nested and record not in _WRITES):
            with contextlib.suppress(Exception):  # counting must never fail a request
                record(self, result, *args, **kwargs)
        return result

    setattr(cls, name, counted)


_WRITING = threading.local()


def _add(kind: str, table: str, index: str, value: Any) -> None:
    with _LOCK:
        _COUNTS[(kind, table, index, str(value))] += 1


def _item_partitions(backend: Any, table_name: str, item: Any) -> list[tuple[str, str]]:
    """(index, value) of every partition an item lives in: the table's and each GSI's it has a key for."""
    table = backend.get_table(table_name)
    attrs = item.attrs
    found = [("", attrs[table.hash_key_attr].value)] if table.hash_key_attr in attrs else []
    for index in table.global_indexes:
        hash_attr = next(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
        if hash_attr in attrs:
            found.append((index.name, attrs[hash_attr].value))
    return found


def _record_write(backend: Any, item: Any, table_name: str, *args: Any, **kwargs: Any) -> None:
    if item is None:
        return
    for index, value in _item_partitions(backend, table_name, item):
        _add("write", table_name, index, value)


def _record_delete(backend: Any, item: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> None:
    if item is not None:
        _record_write(backend, item, table_name)


def _record_get(backend: Any, item: Any, table_name: str, keys: dict[str, Any], *args: Any, **kwargs: Any) -> None:
    table = backend.get_table(table_name)
    value = keys.get(table.hash_key_attr, {})
    _add("read", table_name, "", next(iter(value.values()), "?") if isinstance(value, dict) else value)


def _record_query(backend: Any, result: Any, table_name: str, hash_key_dict: Any, *args: Any, **kwargs: Any) -> None:
    index = kwargs.get("index_name") or ""  # moto's own Query handler passes it by name
    value = next(iter(hash_key_dict.values()), "?") if isinstance(hash_key_dict, dict) else "?"
    if value == "?":
        conditions = kwargs.get("hash_key_conditions") or []
        value = next((next(iter(v.values())) for _, v in conditions if isinstance(v, dict)), "?")
    _add("read", table_name, index, value)


_WRITES = (_record_write, _record_delete)


def snapshot() -> list[dict[str, Any]]:
    with _LOCK:
        counts = list(_COUNTS.items())
    return [
        {"kind": kind, "table": table, "index": index, "key": value, "requests": n}
        for (kind, table, index, value), n in sorted(counts, key=lambda c: -c[1])
    ]


def _start_flushing(path: Path) -> None:
    def flush() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(snapshot()))

    def loop() -> None:
        while not stop.wait(1.0):
            flush()

    def last() -> None:
        stop.set()
        flush()

    stop = threading.Event()
    threading.Thread(target=loop, name="partition-log", daemon=True).start()
    atexit.register(last)
