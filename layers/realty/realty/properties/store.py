"""DynamoDB access for properties: the property item, its MLS id claim, its image records.

Images live in a map attribute `images` keyed by image id, so adding, finishing and removing one
image is a single-attribute UpdateItem that never races with an edit of the listing itself; the
model exposes them as a list ordered by id (ULIDs: upload order).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from realty.core import dynamo, shards
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import (
    Guarded,
    batch_get,
    from_item,
    index_key_names,
    key,
    query_page,
    to_item,
    transact,
    update_action,
)
from realty.properties.models import (
    MAX_IMAGES_PER_PROPERTY,
    Property,
    PropertyImage,
    PropertyStatus,
    normalize_city,
    normalize_mls_id,
)
from realty.properties.search import MAX_TERMS, SearchSort, listing_terms, listing_words, word_text

# The last two are the listing's calendar: its zone and its overrides of the realtor's availability.
_EDITABLE: tuple[str, ...] = ("address", "city", "mls_id", "description", "price", "bedrooms", "bathrooms", "sqft")
_EDITABLE += ("status", "time_zone", "schedule")


def _property_key(property_id: str) -> dict[str, Any]:
    return key(f"PROPERTY#{property_id}", "PROPERTY")


def _claim_key(mls_id: str) -> dict[str, Any]:
    return key(f"MLS#{normalize_mls_id(mls_id)}", "MLS")


def _index_keys(prop: Property) -> dict[str, str | None]:
    """GSI keys of a property; GSI2/GSI3 (what buyers browse) exist only while it is active."""
    order = f"{prop.created_at}#{prop.id}"
    active = prop.status is PropertyStatus.ACTIVE
    return {
        "GSI1PK": f"REALTOR#{prop.realtor_id}#PROPERTIES",
        "GSI1SK": order,
        "GSI2PK": f"ACTIVE#CITY#{normalize_city(prop.city)}" if active else None,
        "GSI2SK": order if active else None,
        "GSI3PK": "ACTIVE" if active else None,
        "GSI3SK": order if active else None,
        "GSI4PK": shards.partition("PROPERTIES", prop.id),
        "GSI4SK": order,
    }


def property_item(prop: Property) -> dict[str, Any]:
    fields = prop.model_dump(mode="json", exclude={"images"})
    return {
        "PK": f"PROPERTY#{prop.id}",
        "SK": "PROPERTY",
        "entity": "property",
        **_index_keys(prop),
        **fields,
        "images": {image.id: image.model_dump(mode="json", exclude_none=True) for image in prop.images},
    }


def property_from_item(item: dict[str, Any]) -> Property:
    """A property from the typed item GetItem or Query returned."""
    return _property_from_values(from_item(item))


def _property_from_values(values: dict[str, Any]) -> Property:
    images = values.get("images") or {}
    values["images"] = [images[image_id] for image_id in sorted(images)] if isinstance(images, dict) else images
    return Property.model_validate(values)


def get_property(property_id: str) -> Property | None:
    """The property, or None when there is no such property (one GetItem)."""
    response = client("dynamodb").get_item(TableName=get_settings().main_table, Key=_property_key(property_id))
    item = response.get("Item")
    return property_from_item(item) if item else None


# ---------------------------------------------------------------- search items

# What a search item copies from its listing: an edit of any of these rewrites the listing's items.
_SEARCHED: tuple[str, ...] = ("address", "city", "description", "price", "bedrooms", "status")


def _search_partitions(prop: Property) -> list[str]:
    """The search partitions an active listing is in (none while it is not active)."""
    if prop.status is not PropertyStatus.ACTIVE:
        return []
    found = listing_words(prop.address, prop.city, prop.description)
    terms = listing_terms(found, budget=MAX_TERMS - 2)
    return ["SEARCH#ALL", f"SEARCH#CITY#{normalize_city(prop.city)}", *(f"SEARCH#W#{t}" for t in terms)]


def _price_order(prop: Property) -> str:
    # Zero-padded so that string order is price order (prices are below 10^9, two decimals).
    return f"{prop.price:013.2f}#{prop.created_at}#{prop.id}"


def _search_put(prop: Property, partition: str, text: str) -> dict[str, Any]:
    item = {
        "PK": partition,
        "SK": f"{prop.created_at}#{prop.id}",
        "GSI1PK": partition,
        "GSI1SK": _price_order(prop),
        "entity": "search_entry",
        "property_id": prop.id,
        "price": prop.price,
        "bedrooms": prop.bedrooms,
        "city_key": normalize_city(prop.city),
        "words": text,
    }
    return {"Put": {"TableName": get_settings().main_table, "Item": to_item(item)}}


def _search_delete(prop: Property, partition: str) -> dict[str, Any]:
    return {"Delete": {"TableName": get_settings().main_table, "Key": key(partition, f"{prop.created_at}#{prop.id}")}}


def search_actions(before: Property | None, after: Property | None) -> list[dict[str, Any]]:
    """The writes that move a listing's search items from `before` to `after` (None: no listing).

    Items are rewritten whole when anything they copy changed; an unchanged listing writes none.
    """
    old = _search_partitions(before) if before else []
    new = _search_partitions(after) if after else []
    if before and after and all(getattr(before, f) == getattr(after, f) for f in _SEARCHED):
        return []
    deletes = [_search_delete(before, p) for p in old if p not in new] if before else []
    if after is None:
        return deletes
    text = word_text(listing_words(after.address, after.city, after.description))
    return [*deletes, *(_search_put(after, p, text) for p in new)]


# ---------------------------------------------------------------- writes


def _claim_put(mls_id: str, property_id: str) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": get_settings().main_table,
            "Item": to_item(
                {
                    "PK": f"MLS#{normalize_mls_id(mls_id)}",
                    "SK": "MLS",
                    "entity": "mls_claim",
                    "property_id": property_id,
                    "mls_id": mls_id,
                }
            ),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }


def _claim_delete(mls_id: str, property_id: str) -> dict[str, Any]:
    return {
        "Delete": {
            "TableName": get_settings().main_table,
            "Key": _claim_key(mls_id),
            "ConditionExpression": "property_id = :pid",
            "ExpressionAttributeValues": {":pid": {"S": property_id}},
        }
    }


MLS_TAKEN = "another property already has this MLS id"
CHANGED = "the property was changed by another request, retry"


def create_property(prop: Property, *, audit: dict[str, Any]) -> None:
    """The property, its MLS claim (if any) and the audit item, all or nothing."""
    put = {
        "Put": {
            "TableName": get_settings().main_table,
            "Item": to_item(property_item(prop)),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }
    claim = [Guarded(_claim_put(prop.mls_id, prop.id), MLS_TAKEN)] if prop.mls_id else []
    transact(Guarded(put, "the property already exists"), *claim, *search_actions(None, prop), audit)


def update_property(before: Property, after: Property, *, audit: dict[str, Any]) -> None:
    """Rewrite the listing's fields (never its images) if it is still at `before.version`.

    A changed MLS id moves the claim in the same transaction: the old claim is released and the
    new one taken, so two listings can never hold one MLS id, even for an instant.
    """
    values = after.model_dump(mode="json", include={*_EDITABLE, "updated_at", "version"})
    update = update_action(
        get_settings().main_table,
        _property_key(before.id),
        set_values={**values, **_index_keys(after)},  # None: removed (an inactive listing leaves GSI2/GSI3)
        condition="#version = :expected",
        names={"#version": "version"},
        values={":expected": before.version},
    )
    actions: list[dict[str, Any] | Guarded] = [Guarded(update, CHANGED)]
    old_claim = normalize_mls_id(before.mls_id) if before.mls_id else None
    new_claim = normalize_mls_id(after.mls_id) if after.mls_id else None
    if old_claim != new_claim:
        if before.mls_id:
            actions.append(Guarded(_claim_delete(before.mls_id, before.id), CHANGED))
        if after.mls_id:
            actions.append(Guarded(_claim_put(after.mls_id, after.id), MLS_TAKEN))
    transact(*actions, *search_actions(before, after), audit)


def delete_property(prop: Property, *, audit: dict[str, Any]) -> None:
    """The property and its MLS claim go together, if nobody changed the property since it was read."""
    delete = {
        "Delete": {
            "TableName": get_settings().main_table,
            "Key": _property_key(prop.id),
            "ConditionExpression": "#version = :expected",
            "ExpressionAttributeNames": {"#version": "version"},
            "ExpressionAttributeValues": {":expected": {"N": str(prop.version)}},
        }
    }
    claim = [Guarded(_claim_delete(prop.mls_id, prop.id), CHANGED)] if prop.mls_id else []
    transact(Guarded(delete, CHANGED), *claim, *search_actions(prop, None), audit)


def add_image(property_id: str, image: PropertyImage, *, owner_id: str | None, audit: dict[str, Any]) -> None:
    """Record a pending image, if the property still exists (and is `owner_id`'s) and has room for it."""
    condition = "attribute_exists(PK) AND size(images) < :max"
    values: dict[str, Any] = {
        ":image": image.model_dump(mode="json", exclude_none=True),
        ":max": MAX_IMAGES_PER_PROPERTY,
    }
    if owner_id is not None:
        condition += " AND realtor_id = :owner"
        values[":owner"] = owner_id
    update = update_action(
        get_settings().main_table,
        _property_key(property_id),
        set_values={"updated_at": image.created_at},
        clauses=["images.#image = :image"],
        condition=condition,
        names={"#image": image.id},
        values=values,
    )
    transact(Guarded(update, f"a property holds at most {MAX_IMAGES_PER_PROPERTY} images"), audit)


def save_image(property_id: str, image: PropertyImage, *, updated_at: str, audit: dict[str, Any]) -> None:
    """Replace an image record that still exists (a deleted image is never brought back)."""
    update = update_action(
        get_settings().main_table,
        _property_key(property_id),
        set_values={"updated_at": updated_at},
        clauses=["images.#image = :image"],
        condition="attribute_exists(images.#image)",
        names={"#image": image.id},
        values={":image": image.model_dump(mode="json", exclude_none=True)},
    )
    transact(Guarded(update, "the image was deleted"), audit)


def remove_image(property_id: str, image_id: str, *, updated_at: str, audit: dict[str, Any]) -> None:
    update = update_action(
        get_settings().main_table,
        _property_key(property_id),
        set_values={"updated_at": updated_at},
        remove=["images.#image"],
        condition="attribute_exists(images.#image)",
        names={"#image": image_id},
    )
    transact(Guarded(update, "the image was already deleted"), audit)


# ---------------------------------------------------------------- reads


def open_booking_status(property_id: str, now_iso: str) -> str | None:
    """The status of a booking that still needs the property (GSI3 of bookings), or None: a pending
    request (whatever its time: it can still be rescheduled and confirmed) or a confirmed booking
    scheduled at or after `now_iso`."""
    request: dict[str, Any] = {
        "TableName": get_settings().main_table,
        "IndexName": "GSI3",
        "KeyConditionExpression": "GSI3PK = :pk",
        "FilterExpression": "#status = :pending OR (#status = :confirmed AND scheduled_at >= :now)",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {
            ":pk": {"S": f"PROPERTY#{property_id}#BOOKINGS"},
            ":now": {"S": now_iso},
            ":pending": {"S": "pending"},
            ":confirmed": {"S": "confirmed"},
        },
        "ProjectionExpression": "#status",
    }
    while True:
        response = client("dynamodb").query(**request)
        for item in response.get("Items", []):
            return str(item["status"]["S"])
        last = response.get("LastEvaluatedKey")
        if not last:
            return None
        request["ExclusiveStartKey"] = last


@dataclass(frozen=True)
class PropertyQuery:
    """One index partition of properties, newest first, optionally filtered."""

    index: str
    partition: str
    min_price: float | None = None
    max_price: float | None = None
    min_bedrooms: int | None = None

    @property
    def key_names(self) -> frozenset[str]:
        return index_key_names(self.index)


def realtor_query(realtor_id: str) -> PropertyQuery:
    return PropertyQuery(index="GSI1", partition=f"REALTOR#{realtor_id}#PROPERTIES")


def all_properties_query() -> PropertyQuery:
    return PropertyQuery(index="GSI4", partition="PROPERTIES")


def active_query(
    *, city: str | None, min_price: float | None, max_price: float | None, min_bedrooms: int | None
) -> PropertyQuery:
    if city:
        return PropertyQuery("GSI2", f"ACTIVE#CITY#{normalize_city(city)}", min_price, max_price, min_bedrooms)
    return PropertyQuery("GSI3", "ACTIVE", min_price, max_price, min_bedrooms)


def query_properties(
    query: PropertyQuery, *, limit: int, start_key: dict[str, Any] | None
) -> tuple[list[Property], dict[str, Any] | None]:
    """Up to `limit` matching properties from `start_key` on, and the key to resume after the last one
    (read as every list is: `query_page`)."""
    items, last_key = shards.read_page(
        _query_request(query), limit=limit, start_key=start_key, key_names=query.key_names
    )
    return [property_from_item(i) for i in items], last_key


def _add_listing_filters(query: PropertyQuery | SearchQuery, filters: list[str], values: dict[str, Any]) -> None:
    """The price and bedroom filters a browse and a search share (the items of both carry the fields)."""
    if query.min_price is not None:
        filters.append("price >= :min_price")
        values.update(to_item({":min_price": query.min_price}))
    if query.max_price is not None:
        filters.append("price <= :max_price")
        values.update(to_item({":max_price": query.max_price}))
    if query.min_bedrooms is not None:
        filters.append("bedrooms >= :bedrooms")
        values[":bedrooms"] = {"N": str(query.min_bedrooms)}


def _query_request(query: PropertyQuery) -> dict[str, Any]:
    filters: list[str] = []
    values: dict[str, Any] = {":pk": {"S": query.partition}}
    _add_listing_filters(query, filters, values)
    request: dict[str, Any] = {
        "TableName": get_settings().main_table,
        "IndexName": query.index,
        "KeyConditionExpression": f"{query.index}PK = :pk",
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
    }
    if filters:
        request["FilterExpression"] = " AND ".join(filters)
    return request


# ---------------------------------------------------------------- search


@dataclass(frozen=True)
class SearchQuery:
    """One search partition read newest first (the table) or by price (GSI1), filtered by words,
    city, price and bedrooms."""

    partition: str
    sort: SearchSort
    words: tuple[str, ...] = ()
    city_key: str | None = None
    min_price: float | None = None
    max_price: float | None = None
    min_bedrooms: int | None = None

    @property
    def index(self) -> str | None:
        return None if self.sort is SearchSort.NEWEST else "GSI1"

    @property
    def key_names(self) -> frozenset[str]:
        return index_key_names(self.index)

    def read_ahead(self, limit: int) -> int:
        """Search items the first Query of a page reads: ten times more for each filter beyond the
        partition's own word, as each lets through only a part of the items (another word, a city,
        a price range: a tenth to a half); the second call, if any, goes by the match rate the first
        one saw (`query_page`)."""
        filters = max(len(self.words) - 1, 0) + (self.city_key is not None)
        filters += any(v is not None for v in (self.min_price, self.max_price, self.min_bedrooms))
        return max(dynamo.FILTERED_PAGE_SIZE, min(SEARCH_MAX_READ_AHEAD, limit * 10**filters))


# Search items are small (ids, words, price, bedrooms, city): a thousand stay well under the 1 MB a
# Query returns, and reading them in one call costs less than the round trips of ten.
SEARCH_MAX_READ_AHEAD = 1000
# Every search page is at most two Queries (and one BatchGetItem): a very selective search returns a
# short page with a cursor rather than keep reading (`query_page`'s `max_calls`).
SEARCH_QUERIES_PER_PAGE = 2


def search_properties(
    query: SearchQuery, *, limit: int, start_key: dict[str, Any] | None
) -> tuple[list[Property], dict[str, Any] | None]:
    """Up to `limit` matching listings in the query's order: one or two Queries of the search partition
    (reading ahead as far as the filters need), then one BatchGetItem of the listings they name (a
    listing removed in between is left out). A page may be short, with a cursor, when the filters
    match so rarely that two reads of `SEARCH_MAX_READ_AHEAD` items did not fill it."""
    items, last_key = query_page(
        _search_request(query),
        limit=limit,
        start_key=start_key,
        key_names=query.key_names,
        read_ahead=query.read_ahead(limit),
        max_read_ahead=SEARCH_MAX_READ_AHEAD,
        max_calls=SEARCH_QUERIES_PER_PAGE,
    )
    ids = [item["property_id"]["S"] for item in items]
    found = batch_get(get_settings().main_table, [_property_key(i) for i in ids]) if ids else []
    by_id = {item["id"]: item for item in found}
    return [_property_from_values(by_id[i]) for i in ids if i in by_id], last_key


def _search_request(query: SearchQuery) -> dict[str, Any]:
    filters: list[str] = []
    values: dict[str, Any] = {":pk": {"S": query.partition}}
    for n, word in enumerate(query.words):
        filters.append(f"contains(words, :w{n})")
        values[f":w{n}"] = {"S": f" {word}"}
    if query.city_key is not None:
        filters.append("city_key = :city")
        values[":city"] = {"S": query.city_key}
    _add_listing_filters(query, filters, values)
    pk = f"{query.index}PK" if query.index else "PK"
    request: dict[str, Any] = {
        "TableName": get_settings().main_table,
        "KeyConditionExpression": f"{pk} = :pk",
        "ExpressionAttributeValues": values,
        "ScanIndexForward": query.sort is SearchSort.PRICE_ASC,
    }
    if query.index:
        request["IndexName"] = query.index
    if filters:
        request["FilterExpression"] = " AND ".join(filters)
    return request
