"""/api/v1/admin/users* and /api/v1/admin/audit-logs: user administration and the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from realty.admin import users as admin_users
from realty.admin.models import AuditLogAttributes
from realty.billing.models import AdminSubscriptionAttributes, ComplimentaryPlanRequest
from realty.core import snapstart
from realty.core.api import Query, Response, create_app, make_handler, respond, respond_page
from realty.core.auth import Role, require_role
from realty.core.envelope import Envelope, ListEnvelope, Resource
from realty.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from realty.media.models import ImageUploadRequest, UploadAttributes
from realty.users import service as users
from realty.users.models import AdminUpdateUserRequest, AdminUserAttributes

app = create_app()
# Imported by their routes (below), and before a SnapStart snapshot so no restored copy pays them.
snapstart.import_before_snapshot("realty.admin.service", "realty.billing.service")

OneUser = Response[Envelope[Resource[AdminUserAttributes]]]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
Cursor = Annotated[str | None, Query(max_length=2048, description="next_cursor of the previous page")]
Identifier = Annotated[str | None, Query(max_length=64)]


@app.get("/api/v1/admin/users", summary="Users, newest first, or found by email prefix", tags=["admin"])
def list_users(
    role: Annotated[Role | None, Query(description="only users with this role")] = None,
    email: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=254,
            description="only users whose email starts with this (case-insensitive); the list is then in email order",
        ),
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response[ListEnvelope[Resource[AdminUserAttributes]]]:
    require_role(app, Role.ADMIN)
    page = users.list_users(role=role, email=email, limit=limit, cursor=cursor)
    return respond_page(app, page.items, limit=limit, next_cursor=page.next_cursor)


@app.get("/api/v1/admin/users/<id>", summary="One user, phone number included", tags=["admin"])
def get_user(id: str) -> OneUser:
    require_role(app, Role.ADMIN)
    return respond(app, users.admin_get_user(id))


@app.put("/api/v1/admin/users/<id>", summary="Edit a user's name, role, phone or active state", tags=["admin"])
def update_user(id: str, body: AdminUpdateUserRequest) -> OneUser:
    caller = require_role(app, Role.ADMIN)
    return respond(app, admin_users.update_user(caller, id, body))


@app.delete("/api/v1/admin/users/<id>", summary="Disable a user's sign-in and mark them deleted", tags=["admin"])
def delete_user(id: str) -> OneUser:
    caller = require_role(app, Role.ADMIN)
    return respond(app, admin_users.delete_user(caller, id))


@app.post(
    "/api/v1/admin/users/<id>/avatar",
    summary="Presigned S3 POST for a user's new avatar",
    tags=["admin"],
    status_code=201,
)
def request_avatar_upload(id: str, body: ImageUploadRequest) -> Response[Envelope[Resource[UploadAttributes]]]:
    caller = require_role(app, Role.ADMIN)
    return respond(app, users.request_avatar_upload(caller, id, body), status=201)


@app.put(
    "/api/v1/admin/users/<id>/complimentary-plan",
    summary="Grant or revoke a realtor's complimentary pro plan (reason, optional end), audited",
    tags=["admin"],
)
def set_complimentary_plan(
    id: str, body: ComplimentaryPlanRequest
) -> Response[Envelope[Resource[AdminSubscriptionAttributes]]]:
    from realty.billing import service as billing  # this route alone: imported on use (cold start)

    caller = require_role(app, Role.ADMIN)
    return respond(app, billing.set_complimentary_plan(caller, id, body))


@app.get("/api/v1/admin/audit-logs", summary="The audit trail, newest first", tags=["admin"])
def list_audit_logs(
    actor_id: Identifier = None,
    resource_type: Annotated[str | None, Query(max_length=32)] = None,
    resource_id: Identifier = None,
    start: Annotated[str | None, Query(alias="from", max_length=40, description="ISO-8601, inclusive")] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40, description="ISO-8601, inclusive")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response[ListEnvelope[Resource[AuditLogAttributes]]]:
    from realty.admin import service as audit  # this route alone: imported on use (cold start)

    require_role(app, Role.ADMIN)
    page = audit.list_audit_logs(
        actor_id=actor_id,
        resource_type=resource_type,
        resource_id=resource_id,
        start=start,
        end=end,
        limit=limit,
        cursor=cursor,
    )
    return respond_page(app, page.items, limit=limit, next_cursor=page.next_cursor)


lambda_handler: Any = make_handler(app)
