"""The local stack's partition counter (`make load PROFILE=peak`): what moto serves, per partition key,
reads and writes, GSIs included; and the load report's share of the hottest."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from local import partitions
from realty.core import shards
from realty.core.aws import client
from scripts.load_peak import hottest


@pytest.fixture
def counted(aws) -> Iterator[None]:
    partitions.install(None)
    try:
        yield
    finally:
        partitions.uninstall()


def _counts(kind: str) -> dict[tuple[str, str], int]:
    return {(r["index"], r["key"]): r["requests"] for r in partitions.snapshot() if r["kind"] == kind}


def test_every_partition_a_write_touches_and_a_read_asks_for_is_counted(counted, make_user):
    from realty.core.audit import record

    user = make_user()
    record(actor_id=user.user_id, action="test.done", resource_type="thing", resource_id="t1")
    client("dynamodb").query(
        TableName="realty-test-main",
        IndexName="GSI2",
        KeyConditionExpression="GSI2PK = :pk",
        ExpressionAttributeValues={":pk": {"S": shards.partition("USERS", user.user_id)}},
    )

    writes, reads = _counts("write"), _counts("read")
    assert writes[("", f"USER#{user.user_id}")] == 1
    assert writes[("GSI2", shards.partition("USERS", user.user_id))] == 1
    assert writes[("", "RESOURCE#thing#t1")] == 1
    assert reads[("GSI2", shards.partition("USERS", user.user_id))] == 1


def test_the_report_ranks_partitions_by_their_share(tmp_path):
    log = tmp_path / "partitions.json"
    rows = [
        {"kind": "read", "table": "realty-local-main", "index": "GSI3", "key": "ACTIVE", "requests": 30},
        {"kind": "read", "table": "realty-local-main", "index": "", "key": "USER#1", "requests": 10},
        {"kind": "write", "table": "realty-local-audit", "index": "GSI2", "key": "AUDIT#0", "requests": 5},
    ]
    log.write_text(json.dumps(rows))

    report = hottest(log)

    assert report["read"]["top"][0] == {"key": "main GSI3 ACTIVE", "requests": 30, "share": 0.75}
    assert report["write"]["top"] == [{"key": "audit GSI2 AUDIT#0", "requests": 5, "share": 1.0}]
