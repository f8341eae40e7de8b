"""DynamoDB access for properties: the property item, its MLS id claim, its image records.

Images live in a map attribute `images` keyed by image id, so adding, finishing and removing one
image is a single-attribute UpdateItem that never races with an edit of the listing itself; the
model exposes them as a list ordered by id (ULIDs: upload order).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import conflicts_as, from_item, key, to_item
from realty.core.errors import BadRequest
from realty.properties.models import (
    MAX_IMAGES_PER_PROPERTY,
    Property,
    PropertyImage,
    PropertyStatus,
    normalize_city,
    normalize_mls_id,
)

_EDITABLE = ("address", "city", "mls_id", "description", "price", "bedrooms", "bathrooms", "sqft", "status")


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
        "GSI4PK": "PROPERTIES",
        "GSI4SK": order,
    }


def _property_item(prop: Property) -> dict[str, Any]:
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
    values = from_item(item)
    images = values.get("images") or {}
    values["images"] = [images[image_id] for image_id in sorted(images)] if isinstance(images, dict) else images
    return Property.model_validate(values)


def get_property(property_id: str) -> Property | None:
    """The property, or None when there is no such property (one GetItem)."""
    response = client("dynamodb").get_item(TableName=get_settings().main_table, Key=_property_key(property_id))
    item = response.get("Item")
    return property_from_item(item) if item else None


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
    actions: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": get_settings().main_table,
                "Item": to_item(_property_item(prop)),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }
    ]
    messages: list[str | None] = ["the property already exists"]
    if prop.mls_id:
        actions.append(_claim_put(prop.mls_id, prop.id))
        messages.append(MLS_TAKEN)
    actions.append(audit)
    messages.append(None)
    with conflicts_as(*messages):
        client("dynamodb").transact_write_items(TransactItems=actions)


def update_property(before: Property, after: Property, *, audit: dict[str, Any]) -> None:
    """Rewrite the listing's fields (never its images) if it is still at `before.version`.

    A changed MLS id moves the claim in the same transaction: the old claim is released and the
    new one taken, so two listings can never hold one MLS id, even for an instant.
    """
    values = after.model_dump(mode="json", include={*_EDITABLE, "updated_at", "version"})
    values.update(_index_keys(after))
    sets = {name: value for name, value in values.items() if value is not None}
    removes = [name for name, value in values.items() if value is None]
    names = {f"#{name}": name for name in values}
    attribute_values = to_item({f":{name}": value for name, value in sets.items()})
    attribute_values[":expected"] = {"N": str(before.version)}
    expression = "SET " + ", ".join(f"#{name} = :{name}" for name in sets)
    if removes:
        expression += " REMOVE " + ", ".join(f"#{name}" for name in removes)
    actions: list[dict[str, Any]] = [
        {
            "Update": {
                "TableName": get_settings().main_table,
                "Key": _property_key(before.id),
                "UpdateExpression": expression,
                "ConditionExpression": "#version = :expected",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": attribute_values,
            }
        }
    ]
    messages: list[str | None] = [CHANGED]
    old_claim = normalize_mls_id(before.mls_id) if before.mls_id else None
    new_claim = normalize_mls_id(after.mls_id) if after.mls_id else None
    if old_claim != new_claim:
        if before.mls_id:
            actions.append(_claim_delete(before.mls_id, before.id))
            messages.append(CHANGED)
        if after.mls_id:
            actions.append(_claim_put(after.mls_id, after.id))
            messages.append(MLS_TAKEN)
    actions.append(audit)
    messages.append(None)
    with conflicts_as(*messages):
        client("dynamodb").transact_write_items(TransactItems=actions)


def delete_property(prop: Property, *, audit: dict[str, Any]) -> None:
    """The property and its MLS claim go together, if nobody changed the property since it was read."""
    actions: list[dict[str, Any]] = [
        {
            "Delete": {
                "TableName": get_settings().main_table,
                "Key": _property_key(prop.id),
                "ConditionExpression": "#version = :expected",
                "ExpressionAttributeNames": {"#version": "version"},
                "ExpressionAttributeValues": {":expected": {"N": str(prop.version)}},
            }
        }
    ]
    messages: list[str | None] = [CHANGED]
    if prop.mls_id:
        actions.append(_claim_delete(prop.mls_id, prop.id))
        messages.append(CHANGED)
    actions.append(audit)
    messages.append(None)
    with conflicts_as(*messages):
        client("dynamodb").transact_write_items(TransactItems=actions)


def add_image(property_id: str, image: PropertyImage, *, owner_id: str | None, audit: dict[str, Any]) -> None:
    """Record a pending image, if the property still exists (and is `owner_id`'s) and has room for it."""
    condition = "attribute_exists(PK) AND size(images) < :max"
    values: dict[str, Any] = {
        ":image": to_item({"v": image.model_dump(mode="json", exclude_none=True)})["v"],
        ":max": {"N": str(MAX_IMAGES_PER_PROPERTY)},
        ":now": {"S": image.created_at},
    }
    if owner_id is not None:
        condition += " AND realtor_id = :owner"
        values[":owner"] = {"S": owner_id}
    update = {
        "Update": {
            "TableName": get_settings().main_table,
            "Key": _property_key(property_id),
            "UpdateExpression": "SET images.#image = :image, updated_at = :now",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#image": image.id},
            "ExpressionAttributeValues": values,
        }
    }
    with conflicts_as(f"a property holds at most {MAX_IMAGES_PER_PROPERTY} images", None):
        client("dynamodb").transact_write_items(TransactItems=[update, audit])


def save_image(property_id: str, image: PropertyImage, *, updated_at: str, audit: dict[str, Any]) -> None:
    """Replace an image record that still exists (a deleted image is never brought back)."""
    update = {
        "Update": {
            "TableName": get_settings().main_table,
            "Key": _property_key(property_id),
            "UpdateExpression": "SET images.#image = :image, updated_at = :now",
            "ConditionExpression": "attribute_exists(images.#image)",
            "ExpressionAttributeNames": {"#image": image.id},
            "ExpressionAttributeValues": {
                ":image": to_item({"v": image.model_dump(mode="json", exclude_none=True)})["v"],
                ":now": {"S": updated_at},
            },
        }
    }
    with conflicts_as("the image was deleted", None):
        client("dynamodb").transact_write_items(TransactItems=[update, audit])


def remove_image(property_id: str, image_id: str, *, updated_at: str, audit: dict[str, Any]) -> None:
    update = {
        "Update": {
            "TableName": get_settings().main_table,
            "Key": _property_key(property_id),
            "UpdateExpression": "REMOVE images.#image SET updated_at = :now",
            "ConditionExpression": "attribute_exists(images.#image)",
            "ExpressionAttributeNames": {"#image": image_id},
            "ExpressionAttributeValues": {":now": {"S": updated_at}},
        }
    }
    with conflicts_as("the image was already deleted", None):
        client("dynamodb").transact_write_items(TransactItems=[update, audit])


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
    def key_names(self) -> tuple[str, ...]:
        return ("PK", "SK", f"{self.index}PK", f"{self.index}SK")


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


# A filtered page may need several Query calls; past this many, the page is returned short, with a
# cursor, rather than risk the function's timeout on a very selective filter.
MAX_QUERY_CALLS_PER_PAGE = 20
FILTERED_PAGE_SIZE = 100


def query_properties(
    query: PropertyQuery, *, limit: int, start_key: dict[str, Any] | None
) -> tuple[list[Property], dict[str, Any] | None]:
    """Up to `limit` matching properties from `start_key` on, and the key to resume after the last one.

    Queries page after page until `limit` items matched or the partition ended. When a page holds
    more matches than needed, the resume key is the last returned item's own key, so the next page
    starts exactly after it.
    """
    if start_key is not None and set(start_key) != set(query.key_names):
        raise BadRequest("cursor is invalid or belongs to another query", field="cursor")
    request = _query_request(query)
    if start_key:
        request["ExclusiveStartKey"] = start_key
    found: list[dict[str, Any]] = []
    for _ in range(MAX_QUERY_CALLS_PER_PAGE):
        # Unfiltered, every evaluated item matches; filtered, read ahead and cut (see `_key_of`).
        request["Limit"] = FILTERED_PAGE_SIZE if "FilterExpression" in request else limit - len(found)
        response = client("dynamodb").query(**request)
        items = response.get("Items") or []
        last = response.get("LastEvaluatedKey")
        room = limit - len(found)
        if len(items) > room:
            found.extend(items[:room])
            return [property_from_item(i) for i in found], _key_of(found[-1], query)
        found.extend(items)
        if not last:
            return [property_from_item(i) for i in found], None
        if len(found) == limit:
            return [property_from_item(i) for i in found], last
        request["ExclusiveStartKey"] = last
    return [property_from_item(i) for i in found], request.get("ExclusiveStartKey")


def _key_of(item: dict[str, Any], query: PropertyQuery) -> dict[str, Any]:
    return {name: item[name] for name in query.key_names}


def _query_request(query: PropertyQuery) -> dict[str, Any]:
    filters: list[str] = []
    values: dict[str, Any] = {":pk": {"S": query.partition}}
    if query.min_price is not None:
        filters.append("price >= :min_price")
        values.update(to_item({":min_price": query.min_price}))
    if query.max_price is not None:
        filters.append("price <= :max_price")
        values.update(to_item({":max_price": query.max_price}))
    if query.min_bedrooms is not None:
        filters.append("bedrooms >= :bedrooms")
        values[":bedrooms"] = {"N": str(query.min_bedrooms)}
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
