"""Buyer search over a few thousand listings: DynamoDB calls and warm latency per results page.

Listings are created through the properties service (so their search items are written as in
production, in the listing's transaction), with addresses, cities and descriptions drawn from a
small vocabulary by a seeded generator. Then each search below is paged through to its end with the
API's handler; every page's DynamoDB calls and handler time are recorded. The target is one Query
of a search partition and one BatchGetItem of the listings it names per page (docs/decisions.md),
and never a Scan.
"""

from __future__ import annotations

import random
import statistics
from typing import Any

from bench.aws_calls import dynamodb_operations
from bench.harness import emulated_account, instrumented

CITIES = ["Seattle", "Tacoma", "Bellevue", "Spokane", "Redmond", "Everett", "Olympia", "Kirkland"]
STREETS = ["Pine", "Maple", "Cedar", "Lake", "Hill", "Harbor", "Union", "Madison", "Oak", "Summit"]
KINDS = ["St", "Ave", "Blvd", "Way", "Ct"]
_VOCABULARY = (
    "bright sunny corner house cottage bungalow craftsman modern renovated kitchen garden pool patio deck view "
    "water mountain quiet street park school garage basement fireplace hardwood floors vaulted ceilings "
    "open plan office studio loft townhouse condo balcony skylight solar heat pump walk transit"
)
WORDS = _VOCABULARY.split()

SEARCHES: list[tuple[str, dict[str, str]]] = [
    ("browse, newest first (the listing indexes, unchanged)", {}),
    ("browse, by price", {"sort": "price_asc"}),
    ("city, by price descending", {"city": "Tacoma", "sort": "price_desc"}),
    ("one word (prefix)", {"q": "fire"}),
    ("two words", {"q": "pool garden"}),
    ("words + city + price", {"q": "craftsman", "city": "Seattle", "max_price": "900000"}),
    ("address words", {"q": "maple ave"}),
    ("rare word", {"q": "skylight solar heat"}),
]


def _seed(listings: int) -> None:
    """The listings and their search items, exactly as the store builds them, written in batches: the
    emulator takes about a second per listing transaction, and only the reads are measured here."""
    from realty.core import clock, ids
    from realty.core.config import get_settings
    from realty.core.dynamo import batch_write, to_item
    from realty.properties import store
    from realty.properties.models import Property

    generator = random.Random(13)
    stamp = clock.now_iso()
    requests: list[dict[str, Any]] = []
    for n in range(listings):
        prop = Property(
            id=ids.new_id(),
            realtor_id=f"bench-realtor-{n % 20}",
            address=f"{generator.randint(1, 9999)} {generator.choice(STREETS)} {generator.choice(KINDS)}",
            city=generator.choice(CITIES),
            description=" ".join(generator.sample(WORDS, 12)).capitalize(),
            price=generator.randrange(150_000, 2_000_000, 500),
            bedrooms=generator.randint(1, 6),
            bathrooms=generator.randint(1, 4),
            sqft=generator.randint(500, 5000),
            created_at=stamp,
            updated_at=stamp,
        )
        requests.append({"PutRequest": {"Item": to_item(store.property_item(prop))}})
        requests += [{"PutRequest": {"Item": a["Put"]["Item"]}} for a in store.search_actions(None, prop)]
    batch_write(get_settings().main_table, requests)


def run(listings: int = 3000, page_size: int = 20, max_pages: int = 5) -> dict[str, Any]:
    from bench import scenario
    from realty.core.auth import Caller, Role
    from realty.users.service import provision_user

    rows = []
    with emulated_account(), instrumented() as (api, recorder, _):
        scenario.install_clock()
        try:
            with recorder.paused():
                _seed(listings)
            user = provision_user(
                cognito_sub="bench-search-buyer", email="searcher@example.com", full_name="Bo Buyer", role=Role.BUYER
            )
            buyer = Caller(user_id=user.id, role=user.role, email=user.email)
            path = "/api/v1/buyers/properties"
            with recorder.paused():  # the function's first request: imports and clients, not reported
                api.request("GET", path, caller=buyer, query={"q": "warm", "limit": "1"})
            for label, query in SEARCHES:
                start = len(recorder.invocations)
                cursor: str | None = None
                returned = 0
                for _ in range(max_pages):
                    page = api.request(
                        "GET", path, caller=buyer, query={**query, "limit": str(page_size)} | _cursor(cursor)
                    )
                    returned += len(page.data)
                    cursor = page.body["meta"]["pagination"]["next_cursor"]
                    if cursor is None:
                        break
                pages = recorder.invocations[start:]
                per_page = [dynamodb_operations(i.calls) for i in pages]
                seconds = [i.seconds for i in pages]
                reads = [sum(n for op, n in c.items() if op in ("Query", "BatchGetItem")) for c in per_page]
                rows.append(
                    {
                        "search": label,
                        "query": query,
                        "pages": len(pages),
                        "listings_returned": returned,
                        "queries_per_page": _span([c.get("Query", 0) for c in per_page]),
                        "batch_gets_per_page": _span([c.get("BatchGetItem", 0) for c in per_page]),
                        "reads_per_page": _span(reads),
                        "scans": sum(c.get("Scan", 0) for c in per_page),
                        "p50_ms": round(statistics.median(seconds) * 1000, 1),
                        "max_ms": round(max(seconds) * 1000, 1),
                    }
                )
        finally:
            scenario.uninstall_clock()
    return {"listings": listings, "page_size": page_size, "max_pages": max_pages, "searches": rows}


def _cursor(cursor: str | None) -> dict[str, str]:
    return {"cursor": cursor} if cursor else {}


def _span(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"
