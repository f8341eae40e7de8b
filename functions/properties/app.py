"""Properties: realtors manage their listings and photos, buyers browse, admins see everything."""

from __future__ import annotations

from typing import Annotated, Any

from realty.core.api import Query, Response, create_app, make_handler, respond, respond_page
from realty.core.auth import Role, require_role
from realty.core.envelope import Envelope, ListEnvelope, Resource
from realty.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from realty.media.models import ImageUploadRequest, UploadAttributes
from realty.processing.followup import interest
from realty.processing.followup.models import AnswerQuestionRequest, InterestAttributes, InterestQuestion
from realty.properties import service
from realty.properties.models import (
    MAX_PRICE,
    MAX_ROOMS,
    CreatePropertyRequest,
    DeletedAttributes,
    PropertyAttributes,
    UpdatePropertyRequest,
)
from realty.properties.search import MAX_QUERY_CHARS, SearchSort

app = create_app()

One = Response[Envelope[Resource[PropertyAttributes]]]
Many = Response[ListEnvelope[Resource[PropertyAttributes]]]
Deleted = Response[Envelope[Resource[DeletedAttributes]]]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
Cursor = Annotated[str | None, Query(max_length=2048, description="next_cursor of the previous page")]

MANAGERS = (Role.REALTOR, Role.ADMIN)


# ---------------------------------------------------------------- realtors


@app.get("/api/v1/realtors/properties", summary="My listings, newest first", tags=["realtors"])
def list_my_properties(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Many:
    caller = require_role(app, *MANAGERS)
    page = service.list_managed_properties(caller, limit=limit, cursor=cursor)
    return respond_page(app, page.items, limit=limit, next_cursor=page.next_cursor)


@app.post("/api/v1/realtors/properties", summary="Create a listing", tags=["realtors"], status_code=201)
def create_property(body: CreatePropertyRequest) -> One:
    caller = require_role(app, *MANAGERS)
    return respond(app, service.create_property(caller, body), status=201)


@app.get("/api/v1/realtors/properties/<id>", summary="One of my listings", tags=["realtors"])
def get_my_property(id: str) -> One:
    caller = require_role(app, *MANAGERS)
    return respond(app, service.get_managed_property(caller, id))


@app.put("/api/v1/realtors/properties/<id>", summary="Change a listing (fields sent only)", tags=["realtors"])
def update_my_property(id: str, body: UpdatePropertyRequest) -> One:
    caller = require_role(app, *MANAGERS)
    return respond(app, service.update_property(caller, id, body))


@app.delete("/api/v1/realtors/properties/<id>", summary="Delete a listing", tags=["realtors"])
def delete_my_property(id: str) -> Deleted:
    caller = require_role(app, *MANAGERS)
    return respond(app, service.delete_property(caller, id))


@app.post(
    "/api/v1/realtors/properties/<id>/images",
    summary="Presigned S3 POST for a new photo (processed asynchronously)",
    tags=["realtors"],
    status_code=201,
)
def request_image_upload(id: str, body: ImageUploadRequest) -> Response[Envelope[Resource[UploadAttributes]]]:
    caller = require_role(app, *MANAGERS)
    return respond(app, service.request_image_upload(caller, id, body), status=201)


@app.delete("/api/v1/realtors/properties/<id>/images/<image_id>", summary="Delete a photo", tags=["realtors"])
def delete_image(id: str, image_id: str) -> One:
    caller = require_role(app, *MANAGERS)
    return respond(app, service.delete_image(caller, id, image_id))


# ---------------------------------------------------------------- buyers


@app.get("/api/v1/buyers/properties", summary="Browse and search active listings", tags=["buyers"])
def browse_properties(
    city: Annotated[str | None, Query(max_length=100)] = None,
    min_price: Annotated[float | None, Query(ge=0, lt=MAX_PRICE)] = None,
    max_price: Annotated[float | None, Query(ge=0, lt=MAX_PRICE)] = None,
    bedrooms: Annotated[int | None, Query(ge=0, le=MAX_ROOMS, description="at least this many")] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_QUERY_CHARS,
            description="words of the address, city or description; each matches the start of a word",
        ),
    ] = None,
    sort: Annotated[SearchSort, Query(description="newest first, or by price")] = SearchSort.NEWEST,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Many:
    caller = require_role(app, Role.BUYER, Role.ADMIN)
    page = service.browse_properties(
        caller,
        q=q,
        sort=sort,
        city=city,
        min_price=min_price,
        max_price=max_price,
        bedrooms=bedrooms,
        limit=limit,
        cursor=cursor,
    )
    return respond_page(app, page.items, limit=limit, next_cursor=page.next_cursor)


@app.get("/api/v1/buyers/properties/<id>", summary="One listing", tags=["buyers"])
def get_listed_property(id: str) -> One:
    caller = require_role(app, Role.BUYER, Role.ADMIN)
    return respond(app, service.get_listed_property(caller, id))


# ---------------------------------------------------------------- admins


@app.get("/api/v1/admin/properties", summary="Every listing, newest first", tags=["admin"])
def list_all_properties(
    realtor_id: Annotated[str | None, Query(max_length=64, description="only this realtor's")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Many:
    caller = require_role(app, Role.ADMIN)
    page = service.list_managed_properties(caller, limit=limit, cursor=cursor, realtor_id=realtor_id)
    return respond_page(app, page.items, limit=limit, next_cursor=page.next_cursor)


@app.get("/api/v1/admin/properties/<id>", summary="Any listing", tags=["admin"])
def admin_get_property(id: str) -> One:
    caller = require_role(app, Role.ADMIN)
    return respond(app, service.get_managed_property(caller, id))


@app.put("/api/v1/admin/properties/<id>", summary="Change any listing", tags=["admin"])
def admin_update_property(id: str, body: UpdatePropertyRequest) -> One:
    caller = require_role(app, Role.ADMIN)
    return respond(app, service.update_property(caller, id, body))


@app.delete("/api/v1/admin/properties/<id>", summary="Delete any listing", tags=["admin"])
def admin_delete_property(id: str) -> Deleted:
    caller = require_role(app, Role.ADMIN)
    return respond(app, service.delete_property(caller, id))


# ---------------------------------------------------------------- interest per listing (processing.followup.interest)


@app.get(
    "/api/v1/realtors/properties/<id>/interest",
    summary="What buyers liked, worried about and asked across the listing's tours",
    tags=["realtors"],
)
def get_listing_interest(id: str) -> Response[Envelope[Resource[InterestAttributes]]]:
    return respond(app, interest.get_interest(require_role(app, *MANAGERS), id))


@app.put(
    "/api/v1/realtors/properties/<id>/interest/questions/<question_id>",
    summary="Mark a buyer's question for the seller answered (or open again)",
    tags=["realtors"],
)
def answer_listing_question(
    id: str, question_id: str, body: AnswerQuestionRequest
) -> Response[Envelope[Resource[InterestQuestion]]]:
    return respond(app, interest.answer_question(require_role(app, *MANAGERS), id, question_id, body))


lambda_handler: Any = make_handler(app)
