"""Property rules: who may see and change which listing, what buyers browse, image records.

A realtor sees and changes only their own properties (anyone else's is a 404); an admin sees all.
Buyers see listings that are on the market: the browse list holds active ones only, and a single
listing that was withdrawn (`inactive`) is a 404 to them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass

from realty.core import clock, ids
from realty.core.audit import audit_action
from realty.core.auth import Caller
from realty.core.config import get_settings
from realty.core.envelope import Relationship, Resource
from realty.core.errors import Conflict, NotFound, ValidationFailed
from realty.core.instance_cache import InstanceCache
from realty.core.pagination import decode_cursor, encode_cursor
from realty.media import store as media
from realty.media.models import ImageUploadRequest, UploadAttributes
from realty.properties import search, store
from realty.properties.models import (
    MAX_IMAGES_PER_PROPERTY,
    CreatePropertyRequest,
    DeletedAttributes,
    ImageAttributes,
    ImageStatus,
    Property,
    PropertyAttributes,
    PropertyImage,
    PropertyStatus,
    UpdatePropertyRequest,
    normalize_city,
)
from realty.properties.search import SearchSort
from realty.users import people
from realty.users import store as users_store

RESOURCE_TYPE = "property"


@dataclass(frozen=True)
class Page:
    items: list[Resource[PropertyAttributes]]
    next_cursor: str | None


# ---------------------------------------------------------------- representation


def _image_attributes(image: PropertyImage) -> ImageAttributes:
    return ImageAttributes(
        id=image.id,
        status=image.status,
        url=media.url_for(image.image_key),
        thumbnail_url=media.url_for(image.thumbnail_key),
        width=image.width,
        height=image.height,
    )


def to_resource(prop: Property, *, all_images: bool) -> Resource[PropertyAttributes]:
    """The API view; buyers (`all_images=False`) see only images that finished processing."""
    images = [i for i in prop.images if all_images or i.status is ImageStatus.READY]
    attributes = PropertyAttributes(
        realtor_id=prop.realtor_id,
        address=prop.address,
        city=prop.city,
        mls_id=prop.mls_id,
        description=prop.description,
        price=prop.price,
        bedrooms=prop.bedrooms,
        bathrooms=prop.bathrooms,
        sqft=prop.sqft,
        status=prop.status,
        images=[_image_attributes(i) for i in images],
        realtor=people.person(prop, "realtor", email=False, phone=False),
        time_zone=prop.time_zone,
        schedule=prop.schedule,
        created_at=prop.created_at,
        updated_at=prop.updated_at,
    )
    return Resource[PropertyAttributes](
        id=prop.id,
        type=RESOURCE_TYPE,
        attributes=attributes,
        relationships={"realtor": Relationship(id=prop.realtor_id, type="user")},
    )


def _audit(caller_id: str, action: str, property_id: str, **details: object) -> dict[str, object]:
    return audit_action(
        actor_id=caller_id, action=action, resource_type=RESOURCE_TYPE, resource_id=property_id, details=details
    )


# ---------------------------------------------------------------- realtor (and admin) side


def _managed(caller: Caller, property_id: str) -> Property:
    """The property if the caller manages it (its realtor, or an admin); anyone else gets a 404."""
    prop = store.get_property(property_id)
    if prop is None or (not caller.is_admin and prop.realtor_id != caller.user_id):
        raise NotFound("no such property")
    return prop


def create_property(caller: Caller, request: CreatePropertyRequest) -> Resource[PropertyAttributes]:
    stamp = clock.now_iso()
    realtor = users_store.get_user(caller.user_id)
    prop = Property(
        **people.listing_copies(realtor),
        id=ids.new_id(),
        realtor_id=caller.user_id,
        address=request.address,
        city=request.city,
        mls_id=request.mls_id,
        description=request.description,
        price=request.price,
        bedrooms=request.bedrooms,
        bathrooms=request.bathrooms,
        sqft=request.sqft,
        status=request.status,
        time_zone=request.time_zone,
        schedule=request.schedule,
        created_at=stamp,
        updated_at=stamp,
    )
    fields = sorted(request.model_dump(exclude_none=True))
    store.create_property(prop, audit=_audit(caller.user_id, "property.created", prop.id, fields=fields))
    return to_resource(prop, all_images=True)


def get_managed_property(caller: Caller, property_id: str) -> Resource[PropertyAttributes]:
    return to_resource(_managed(caller, property_id), all_images=True)


def update_property(caller: Caller, property_id: str, request: UpdatePropertyRequest) -> Resource[PropertyAttributes]:
    prop = _managed(caller, property_id)
    changes = request.model_dump(exclude_unset=True)
    current = prop.model_dump()
    changed = sorted(name for name, value in changes.items() if value != current[name])
    if not changed:
        return to_resource(prop, all_images=True)
    # Validated again rather than copied: nested values (a listing's schedule) become models, not dicts.
    stamps = {"updated_at": clock.now_iso(), "version": prop.version + 1}
    updated = Property.model_validate(current | {name: changes[name] for name in changed} | stamps)
    details: dict[str, object] = {"changed_fields": changed}
    if "status" in changed:
        details["status"] = {"from": prop.status.value, "to": updated.status.value}
    store.update_property(prop, updated, audit=_audit(caller.user_id, "property.updated", prop.id, **details))
    return to_resource(updated, all_images=True)


def delete_property(caller: Caller, property_id: str) -> Resource[DeletedAttributes]:
    prop = _managed(caller, property_id)
    # Refused rather than cascading: a booking left behind could never be confirmed again.
    blocking = store.open_booking_status(prop.id, clock.now_iso())
    if blocking == "pending":
        raise Conflict("the property has tour requests waiting for an answer; decline them first")
    if blocking is not None:
        raise Conflict("the property has upcoming confirmed tours; cancel or decline them first")
    store.delete_property(prop, audit=_audit(caller.user_id, "property.deleted", prop.id, mls_id=prop.mls_id))
    media.delete_objects([key for i in prop.images for key in (i.upload_key, i.image_key, i.thumbnail_key)])
    attributes = DeletedAttributes(deleted_at=clock.now_iso())
    return Resource[DeletedAttributes](id=prop.id, type=RESOURCE_TYPE, attributes=attributes)


def list_managed_properties(caller: Caller, *, limit: int, cursor: str | None, realtor_id: str | None = None) -> Page:
    """A realtor's own listings; an admin's view is every listing (or one realtor's, if named)."""
    if caller.is_admin:
        query = store.realtor_query(realtor_id) if realtor_id else store.all_properties_query()
        scope = f"properties|admin|realtor={realtor_id or '*'}"
    else:
        query = store.realtor_query(caller.user_id)
        scope = f"properties|realtor={caller.user_id}"
    return _page(query, scope, limit=limit, cursor=cursor, all_images=True)


# ---------------------------------------------------------------- buyer side


def find_listed_property(caller: Caller, property_id: str) -> Property | None:
    """The listing as a buyer may know it: a withdrawn (`inactive`) one does not exist to them.

    The one rule for every buyer-side use of a listing (reading it, booking it), so none of them
    can tell a withdrawn listing from a missing id.
    """
    prop = store.get_property(property_id)
    if prop is None or (prop.status is PropertyStatus.INACTIVE and not caller.is_admin):
        return None
    return prop


def get_listed_property(caller: Caller, property_id: str) -> Resource[PropertyAttributes]:
    prop = find_listed_property(caller, property_id)
    if prop is None:
        raise NotFound("no such property")
    return to_resource(prop, all_images=caller.is_admin)


def browse_properties(
    caller: Caller,
    *,
    city: str | None,
    min_price: float | None,
    max_price: float | None,
    bedrooms: int | None,
    limit: int,
    cursor: str | None,
    q: str | None = None,
    sort: SearchSort = SearchSort.NEWEST,
) -> Page:
    """Active listings, newest first or by price, optionally matching words; the cursor is bound to
    these exact filters.

    Without words and newest first, the listings' own sparse indexes serve the page; otherwise the
    search items do (`realty.properties.search`): one term partition, filtered.
    """
    if min_price is not None and max_price is not None and min_price > max_price:
        raise ValidationFailed("max_price must not be below min_price", field="max_price")
    city_key = normalize_city(city) if city and city.strip() else None
    query_words = search.words(q) if q is not None else []
    if q is not None and not query_words:
        raise ValidationFailed("q must contain at least one letter or digit", field="q")
    if len(query_words) > search.MAX_QUERY_WORDS:
        raise ValidationFailed(f"q may hold at most {search.MAX_QUERY_WORDS} words", field="q")
    scope = f"properties|active|city={city_key}|min_price={min_price}|max_price={max_price}|bedrooms={bedrooms}"
    if not query_words and sort is SearchSort.NEWEST:
        query = store.active_query(city=city_key, min_price=min_price, max_price=max_price, min_bedrooms=bedrooms)
        if caller.is_admin:  # admins see every image: not the answer buyers share
            return _page(query, scope, limit=limit, cursor=cursor, all_images=True)
        return _browse_page(query, scope, limit=limit, cursor=cursor)
    driver = search.driving_word(query_words)
    if driver is not None:
        partition, city_filter = f"SEARCH#W#{search.term(driver)}", city_key
    elif city_key is not None:
        partition, city_filter = f"SEARCH#CITY#{city_key}", None
    else:
        partition, city_filter = "SEARCH#ALL", None
    found = store.SearchQuery(
        partition=partition,
        sort=sort,
        words=tuple(query_words),
        city_key=city_filter,
        min_price=min_price,
        max_price=max_price,
        min_bedrooms=bedrooms,
    )
    scope += f"|q={' '.join(query_words)}|sort={sort.value}"
    start = decode_cursor(cursor, scope)
    listings, last_key = store.search_properties(found, limit=limit, start_key=start)
    items = [to_resource(p, all_images=caller.is_admin) for p in listings]
    return Page(items=items, next_cursor=encode_cursor(last_key, scope))


# Browse pages as buyers see them, kept a few seconds per instance (BROWSE_CACHE_SECONDS): a browse
# page is the same for every buyer, and the one partition every browse without a city reads (GSI3
# `ACTIVE`) is hot by reads, which no sharding spreads. Pages of a city are kept alike.
_BROWSE_PAGES = InstanceCache()


def _browse_page(query: store.PropertyQuery, scope: str, *, limit: int, cursor: str | None) -> Page:
    start = decode_cursor(cursor, scope)
    # The stored page, not the response: each response's cursor is encrypted afresh.
    shape = (query, limit, json.dumps(start, sort_keys=True))
    found, last_key = _BROWSE_PAGES.get_or_load(
        shape,
        get_settings().browse_cache_seconds,
        lambda: store.query_properties(query, limit=limit, start_key=start),
    )
    items = [to_resource(p, all_images=False) for p in found]
    return Page(items=items, next_cursor=encode_cursor(last_key, scope))


def _page(query: store.PropertyQuery, scope: str, *, limit: int, cursor: str | None, all_images: bool) -> Page:
    start = decode_cursor(cursor, scope)
    found, last_key = store.query_properties(query, limit=limit, start_key=start)
    items = [to_resource(p, all_images=all_images) for p in found]
    return Page(items=items, next_cursor=encode_cursor(last_key, scope))


# ---------------------------------------------------------------- images


def upload_key(property_id: str, image_id: str) -> str:
    return f"uploads/properties/{property_id}/{image_id}"


def processed_keys(property_id: str, image_id: str) -> tuple[str, str]:
    base = f"media/properties/{property_id}/{image_id}"
    return f"{base}.jpg", f"{base}_thumb.jpg"


def request_image_upload(caller: Caller, property_id: str, request: ImageUploadRequest) -> Resource[UploadAttributes]:
    """Record a pending image and hand out a presigned POST for exactly its key."""
    prop = _managed(caller, property_id)
    if len(prop.images) >= MAX_IMAGES_PER_PROPERTY:
        raise Conflict(f"a property holds at most {MAX_IMAGES_PER_PROPERTY} images; delete one first")
    image_id = ids.new_id()
    image = PropertyImage(
        id=image_id,
        upload_key=upload_key(prop.id, image_id),
        content_type=request.content_type,
        created_at=clock.now_iso(),
    )
    upload = media.presigned_upload(key=image.upload_key, content_type=image.content_type, uploaded_by=caller.user_id)
    audit = _audit(caller.user_id, "property.image_upload_requested", prop.id, image_id=image_id)
    store.add_image(prop.id, image, owner_id=None if caller.is_admin else caller.user_id, audit=audit)
    attributes = UploadAttributes(
        image_id=image_id,
        url=upload.url,
        fields=upload.fields,
        expires_at=upload.expires_at,
        max_bytes=media.UPLOAD_MAX_BYTES,
        content_type=image.content_type,
    )
    return Resource[UploadAttributes](id=image_id, type="image_upload", attributes=attributes)


def delete_image(caller: Caller, property_id: str, image_id: str) -> Resource[PropertyAttributes]:
    prop = _managed(caller, property_id)
    image = next((i for i in prop.images if i.id == image_id), None)
    if image is None:
        raise NotFound("no such image")
    stamp = clock.now_iso()
    audit = _audit(caller.user_id, "property.image_deleted", prop.id, image_id=image_id)
    store.remove_image(prop.id, image_id, updated_at=stamp, audit=audit)
    media.delete_objects([image.upload_key, image.image_key, image.thumbnail_key])
    remaining = [i for i in prop.images if i.id != image_id]
    return to_resource(prop.model_copy(update={"images": remaining, "updated_at": stamp}), all_images=True)


def pending_image(property_id: str, image_id: str) -> PropertyImage | None:
    """The image record an upload belongs to, if the property and the record still exist."""
    prop = store.get_property(property_id)
    if prop is None:
        return None
    return next((i for i in prop.images if i.id == image_id), None)


def record_image_ready(
    property_id: str, image: PropertyImage, *, image_key: str, thumbnail_key: str, size: Sequence[int], actor_id: str
) -> bool:
    """Mark an image processed; False if it was deleted meanwhile (the caller removes the files)."""
    ready = image.model_copy(
        update={
            "status": ImageStatus.READY,
            "image_key": image_key,
            "thumbnail_key": thumbnail_key,
            "width": int(size[0]),
            "height": int(size[1]),
        }
    )
    audit = _audit(actor_id, "property.image_processed", property_id, image_id=image.id, status="ready")
    try:
        store.save_image(property_id, ready, updated_at=clock.now_iso(), audit=audit)
    except Conflict:
        return False
    return True


def record_image_failed(property_id: str, image: PropertyImage, *, reason: str, actor_id: str) -> None:
    failed = image.model_copy(update={"status": ImageStatus.FAILED})
    audit = _audit(actor_id, "property.image_rejected", property_id, image_id=image.id, reason=reason)
    with suppress(Conflict):  # deleted meanwhile: nothing left to mark
        store.save_image(property_id, failed, updated_at=clock.now_iso(), audit=audit)
