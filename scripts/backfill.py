"""Bring the items a stage saved before search and participant copies existed up to date.

    make backfill STACK=realtyforyou-prod [REGION=eu-west-1]

Two passes over the main table, each a paged Scan (a maintenance tool, run by an operator, never
on a request path):

1. `search`: every active listing without its search items (`SEARCH#ALL`, its city's and one per
   term, `realty.properties.search`) gets them, exactly as the store writes them. A page's
   listings are checked for their `SEARCH#ALL` item with one BatchGetItem; each listing missing it
   gets its items in one transaction that also checks the listing is unchanged since it was read
   (an edit in between is re-read and redone), so the index never holds a stale copy.
2. `copies`: bookings, tours, calls and listings without the names of their participants
   (`realty.users.people`) are found, and each participant's copies are rewritten on everything
   they take part in (`realty.bookings.people.refresh_copies`, the profile edit's own mechanism).

Idempotent: a second run finds nothing left to do. Resumable: after each page the pass and the
Scan's position are written to a state file (`--state`, by default `.backfill-<stack>.json`); a run
interrupted for any reason continues from there, and the file is removed when both passes are done.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PASSES = ("search", "copies")
# Items a Scan call evaluates; small enough that a page's work is a few seconds.
SCAN_PAGE = 200
# What has the participants' copies: every item of these kinds names its realtor, most a buyer.
_COPIED_ENTITIES = ("booking", "tour", "call", "property")


@dataclass
class Report:
    listings_indexed: int = 0
    listings_already_indexed: int = 0
    participants_refreshed: int = 0
    items_refreshed: int = 0
    pages: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PASSES, 0))


class State:
    """Where a run is: the pass and the Scan's next start key, kept in a file after every page."""

    def __init__(self, path: Path | None, after_page: Callable[[], None] | None = None) -> None:
        self.path = path
        self.after_page = after_page
        saved = json.loads(path.read_text()) if path is not None and path.exists() else {}
        self.phase: str = saved.get("pass", PASSES[0])
        self.start_key: dict[str, Any] | None = saved.get("start_key")

    def save(self, phase: str, start_key: dict[str, Any] | None) -> None:
        self.phase, self.start_key = phase, start_key
        if self.path is not None:
            self.path.write_text(json.dumps({"pass": phase, "start_key": start_key}))
        if self.after_page is not None:
            self.after_page()

    def finish(self) -> None:
        if self.path is not None and self.path.exists():
            self.path.unlink()


def _scan(
    filter_expression: str,
    names: dict[str, str],
    values: dict[str, Any],
    start_key: dict[str, Any] | None,
    page: int,
) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any] | None]]:
    """The table's items matching the filter, a Scan page at a time, with the key to resume after it."""
    from realty.core.aws import client
    from realty.core.config import get_settings

    request: dict[str, Any] = {
        "TableName": get_settings().main_table,
        "FilterExpression": filter_expression,
        "ExpressionAttributeValues": values,
        "ExpressionAttributeNames": names,
        "Limit": page,
    }
    while True:
        if start_key:
            request["ExclusiveStartKey"] = start_key
        response = client("dynamodb").scan(**request)
        start_key = response.get("LastEvaluatedKey")
        yield response.get("Items", []), start_key
        if not start_key:
            return


# ---------------------------------------------------------------- search items


def _index_listing(listing_id: str) -> bool:
    """Write one listing's search items if it is active and still as read; False when it has none to have."""
    from realty.core.config import get_settings
    from realty.core.dynamo import Guarded, transact
    from realty.core.errors import Conflict
    from realty.properties import store

    for _ in range(3):
        listing = store.get_property(listing_id)
        if listing is None:
            return False
        actions = store.search_actions(None, listing)
        if not actions:
            return False  # not active: it belongs in no search partition
        unchanged = {
            "ConditionCheck": {
                "TableName": get_settings().main_table,
                "Key": {"PK": {"S": f"PROPERTY#{listing.id}"}, "SK": {"S": "PROPERTY"}},
                "ConditionExpression": "updated_at = :seen",
                "ExpressionAttributeValues": {":seen": {"S": listing.updated_at}},
            }
        }
        try:
            transact(Guarded(unchanged, "the listing changed while it was indexed"), *actions)
        except Conflict:
            continue  # edited in between: index it as it is now
        return True
    raise RuntimeError(f"listing {listing_id} keeps changing; run the backfill again later")


def _search_pass(state: State, report: Report, page: int) -> None:
    from realty.core.config import get_settings
    from realty.core.dynamo import batch_get

    values = {":property": {"S": "property"}, ":active": {"S": "active"}}
    names = {"#entity": "entity", "#status": "status"}
    scan = _scan("#entity = :property AND #status = :active", names, values, state.start_key, page)
    for items, next_key in scan:
        keys = {
            str(i["id"]["S"]): {"PK": {"S": "SEARCH#ALL"}, "SK": {"S": f"{i['created_at']['S']}#{i['id']['S']}"}}
            for i in items
        }
        indexed = {str(found["property_id"]) for found in batch_get(get_settings().main_table, list(keys.values()))}
        for listing_id in keys:
            if listing_id in indexed:
                report.listings_already_indexed += 1
            elif _index_listing(listing_id):
                report.listings_indexed += 1
        report.pages["search"] += 1
        state.save("search", next_key)


# ---------------------------------------------------------------- participant copies


def _copies_pass(state: State, report: Report, page: int) -> None:
    from realty.bookings import people

    entities = ", ".join(f":e{n}" for n in range(len(_COPIED_ENTITIES)))
    values = {f":e{n}": {"S": entity} for n, entity in enumerate(_COPIED_ENTITIES)}
    missing = (
        f"#entity IN ({entities}) AND ((attribute_exists(realtor_id) AND attribute_not_exists(realtor_name)) "
        "OR (attribute_exists(buyer_id) AND attribute_not_exists(buyer_name)))"
    )
    done: set[str] = set()
    for items, next_key in _scan(missing, {"#entity": "entity"}, values, state.start_key, page):
        users = {item[side]["S"] for item in items for side in ("buyer_id", "realtor_id") if side in item}
        for user_id in sorted(users - done):
            report.items_refreshed += people.refresh_copies(user_id)
            report.participants_refreshed += 1
            done.add(user_id)
        report.pages["copies"] += 1
        state.save("copies", next_key)


def backfill(
    *, state_path: Path | None = None, page: int = SCAN_PAGE, after_page: Callable[[], None] | None = None
) -> Report:
    """Both passes, from where the state file says a previous run stopped (see the module's docstring).
    `after_page` is called once each page's work is saved (the tests interrupt a run there)."""
    state = State(state_path, after_page)
    report = Report()
    if state.phase == "search":
        _search_pass(state, report, page)
        state.phase, state.start_key = "copies", None
    _copies_pass(state, report, page)
    state.finish()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--region", default=None)
    parser.add_argument("--state", default=None, help="the progress file (default: .backfill-<stack>.json)")
    args = parser.parse_args(argv)
    from scripts.first_admin import FirstAdminError, use_stack  # the Makefile puts the root on PYTHONPATH

    try:
        use_stack(args.stack_name, args.region)
    except FirstAdminError as error:
        print(f"backfill: {error}", file=sys.stderr)
        return 1
    state = Path(args.state or f".backfill-{args.stack_name}.json")
    report = backfill(state_path=state)
    print(
        f"search: {report.listings_indexed} listings indexed ({report.listings_already_indexed} already were); "
        f"copies: {report.items_refreshed} items of {report.participants_refreshed} people refreshed"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
