"""User rules: provisioning from a Cognito identity, the caller's own profile."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from enum import StrEnum

from realty.core import clock, ids
from realty.core.actor import NO_LONGER_ACTIVE
from realty.core.audit import audit_action, record
from realty.core.auth import Caller, Role
from realty.core.envelope import Resource
from realty.core.errors import BadRequest, Conflict, NotConfigured, NotFound, Unauthorized
from realty.core.pagination import decode_cursor, encode_cursor
from realty.media import store as media
from realty.media.models import ImageUploadRequest, UploadAttributes
from realty.users import store
from realty.users.models import (
    AdminUpdateUserRequest,
    AdminUserAttributes,
    UpdateProfileRequest,
    User,
    UserAttributes,
    UserStatus,
)

SELF_SERVICE_ROLES = (Role.BUYER, Role.REALTOR)


def provision_user(*, cognito_sub: str, email: str, full_name: str, role: Role | str) -> User:
    """Create the user record for a Cognito subject, or return the one that already exists."""
    existing = store.get_identity(cognito_sub)
    if existing is not None:
        user = store.get_user(existing.user_id)
        if user is not None:
            return user
    stamp = clock.now_iso()
    user = User(
        id=ids.new_id(),
        email=email.lower(),
        full_name=full_name or email.split("@")[0],
        role=Role(role),
        cognito_sub=cognito_sub,
        created_at=stamp,
        updated_at=stamp,
    )
    try:
        store.create_user(user)
    except Conflict:
        # Two first requests of one user raced; the other one created the record.
        winner = store.get_identity(cognito_sub)
        found = store.get_user(winner.user_id) if winner else None
        if found is None:
            raise
        return found
    return user


def self_service_role(claimed: str | None) -> Role:
    """The role a user gets on first sight: what they registered as, never admin."""
    try:
        role = Role(claimed or Role.BUYER)
    except ValueError:
        return Role.BUYER
    return role if role in SELF_SERVICE_ROLES else Role.BUYER


def to_resource(user: User, *, reveal_phone: bool) -> Resource[UserAttributes]:
    phone = None
    if reveal_phone and user.phone_ciphertext:
        phone = store.decrypt_phone(user.id, user.phone_ciphertext)
    attributes = UserAttributes(
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        phone=phone,
        avatar_url=_avatar_url(user),
        pending_email=user.pending_email,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )
    return Resource[UserAttributes](id=user.id, type="user", attributes=attributes)


def _avatar_url(user: User) -> str | None:
    if not user.avatar_key:
        return user.avatar_url
    # A function not given the media bucket shows no avatar rather than failing the whole request.
    with suppress(NotConfigured):
        return media.url_for(user.avatar_key)
    return None


def _active_user(user_id: str) -> User:
    user = store.get_user(user_id)
    if user is None or user.status is not UserStatus.ACTIVE:
        raise NotFound("no such user")
    return user


def _own_user(user_id: str) -> User:
    """The caller's own record, for a change of it: an account that is gone is the caller's 401 (as
    the actor check answers it, realty.core.actor), not a missing object."""
    user = store.get_user(user_id)
    if user is None or user.status is not UserStatus.ACTIVE:
        raise Unauthorized(NO_LONGER_ACTIVE)
    return user


def get_profile(caller: Caller) -> Resource[UserAttributes]:
    return to_resource(_active_user(caller.user_id), reveal_phone=True)


def update_profile(caller: Caller, request: UpdateProfileRequest) -> Resource[UserAttributes]:
    user = _own_user(caller.user_id)
    changes = request.model_dump(exclude_unset=True)
    updated = user.model_copy()
    changed_fields: list[str] = []
    if "full_name" in changes and request.full_name is not None and request.full_name != user.full_name:
        updated.full_name = request.full_name
        changed_fields.append("full_name")
    if "phone" in changes:
        updated.phone_ciphertext = store.encrypt_phone(user.id, request.phone) if request.phone else None
        changed_fields.append("phone")
    if not changed_fields:
        return to_resource(user, reveal_phone=True)
    updated.updated_at = clock.now_iso()
    audit = audit_action(
        actor_id=caller.user_id,
        action="user.updated",
        resource_type="user",
        resource_id=user.id,
        details={"changed_fields": changed_fields},
    )
    store.save_user(updated, audit=audit)
    return to_resource(updated, reveal_phone=True)


def record_sign_out(user_id: str, signed_out_at: int) -> None:
    """Tokens issued before this moment (epoch milliseconds) are refused from now on
    (`realty.core.actor.signed_out`: by the authorizer, and by every change of a cached token).

    A concurrent profile edit is not a reason to stay signed in: the write is retried on a fresh read.
    """
    for attempt in range(3):
        user = _own_user(user_id)
        updated = user.model_copy(update={"signed_out_at": signed_out_at, "updated_at": clock.now_iso()})
        audit = audit_action(
            actor_id=user_id, action="user.signed_out", resource_type="user", resource_id=user_id, details={}
        )
        try:
            store.save_user(updated, audit=audit)
        except Conflict:
            if attempt == 2:
                raise
        else:
            return


# ---------------------------------------------------------------- administration


@dataclass(frozen=True)
class UserPage:
    items: list[Resource[AdminUserAttributes]]
    next_cursor: str | None


def to_admin_resource(user: User, *, reveal_phone: bool) -> Resource[AdminUserAttributes]:
    """An admin's view: the profile (phone only where asked for) and the account status."""
    profile = to_resource(user, reveal_phone=reveal_phone).attributes
    attributes = AdminUserAttributes(**profile.model_dump(), status=user.status)
    return Resource[AdminUserAttributes](id=user.id, type="user", attributes=attributes)


def _any_user(user_id: str) -> User:
    user = store.get_user(user_id)
    if user is None:
        raise NotFound("no such user")
    return user


def _changeable_user(user_id: str) -> User:
    user = _any_user(user_id)
    if user.status is UserStatus.DELETED:
        raise Conflict("the user is deleted")
    return user


def list_users(*, role: Role | None, limit: int, cursor: str | None, email: str | None = None) -> UserPage:
    """Every user (deleted ones included, with their status), newest first; phones are not decrypted.

    `email` narrows to the users whose email starts with it (case-insensitive), in email order.
    """
    prefix = email.strip().lower() if email else None
    if email is not None and not prefix:
        raise BadRequest("email must not be blank", field="email")
    scope = f"users|role={role.value if role else '*'}|email={prefix or '*'}"
    users, last_key = store.query_users(role, limit=limit, start_key=decode_cursor(cursor, scope), email_prefix=prefix)
    return UserPage(
        items=[to_admin_resource(u, reveal_phone=False) for u in users], next_cursor=encode_cursor(last_key, scope)
    )


def admin_get_user(user_id: str) -> Resource[AdminUserAttributes]:
    """Admins may read a user's phone number (decrypted for this one read)."""
    return to_admin_resource(_any_user(user_id), reveal_phone=True)


def admin_update_user(caller: Caller, user_id: str, request: AdminUpdateUserRequest) -> Resource[AdminUserAttributes]:
    """Edit a user's name, email, role, phone or active state; user and identity items change in one transaction.

    A new email goes through the verified flow: Cognito emails it a code and the record keeps it as
    `pending_email` until the user confirms it (`confirm_email_change`); the audit has before and after.

    Deactivating disables sign-in at Cognito and signs the user out everywhere (the authorizer then
    refuses their tokens, as for a deleted user) but keeps the account whole; reactivating enables
    sign-in again. Cognito changes first: if the record write then fails, the record still says the
    old state, the authorizer follows the record, and a retry redoes both.
    """
    user = _changeable_user(user_id)
    changes = request.model_dump(exclude_unset=True)
    if "email" in changes:
        changes["email"] = str(changes["email"]).lower()
    phone_before = store.decrypt_phone(user.id, user.phone_ciphertext) if user.phone_ciphertext else ""
    current: dict[str, object] = {
        "full_name": user.full_name,
        "email": user.email,
        "role": user.role,
        "phone": phone_before,
        "active": user.status is UserStatus.ACTIVE,
    }
    changed = sorted(name for name, value in changes.items() if _plain(value) != _plain(current[name]))
    if not changed:
        return to_admin_resource(user, reveal_phone=True)
    if user.id == caller.user_id and {"role", "active"} & set(changed):
        field = "role" if "role" in changed else "active"
        raise Conflict(f"you cannot change your own {field}; ask another admin", field=field)
    stamp = clock.now()
    update: dict[str, object] = {name: changes[name] for name in changed if name in ("full_name", "role")}
    update["updated_at"] = clock.iso(stamp)
    if "phone" in changed:
        update["phone_ciphertext"] = store.encrypt_phone(user.id, changes["phone"]) if changes["phone"] else None
    action = "user.updated"
    if "email" in changed:
        _request_email_change(user, changes["email"])
        update["pending_email"] = changes["email"]
        action = "user.email_change_requested"
    if "active" in changed:
        if changes["active"]:
            store.enable_sign_in(user.email)
            update["status"] = UserStatus.ACTIVE
            action = "user.reactivated"
        else:
            store.disable_sign_in(user.email)
            update["status"] = UserStatus.DEACTIVATED
            update["signed_out_at"] = int(stamp.timestamp() * 1000)  # epoch milliseconds, as a sign-out
            action = "user.deactivated"
    elif "role" in changed:
        action = "user.role_changed"
    updated = user.model_copy(update=update)
    after: dict[str, object] = {**current, **{name: changes[name] for name in changed}}
    # Before and after values, so support can see (and undo) exactly what an admin changed. Audit
    # items can never be changed or deleted, so a phone number is kept masked there, not in clear.
    details: dict[str, object] = {
        "changed_fields": changed,
        "before": {name: _audit_value(name, current[name]) for name in changed},
        "after": {name: _audit_value(name, after[name]) for name in changed},
    }
    if "role" in changed:
        details["role"] = {"from": user.role.value, "to": updated.role.value}
    if "email" in changed:
        details["email_verification"] = "pending"  # `email` changes when the user verifies the new one
    audit = audit_action(
        actor_id=caller.user_id, action=action, resource_type="user", resource_id=user.id, details=details
    )
    store.save_user(updated, audit=audit)
    return to_admin_resource(updated, reveal_phone=True)


def _request_email_change(user: User, new_email: str) -> None:
    """Cognito emails the new address a code; the record keeps `email` until the user verifies it
    (`confirm_email_change`). Another account's address is a 409 here, before Cognito is asked,
    and again from Cognito (which keeps emails unique) should one slip in between."""
    if any(owner != user.id for owner in store.email_owners(new_email)):
        raise Conflict("another account uses this email", field="email")
    store.request_email_change(user.email, new_email)


def confirm_email_change(user_id: str, verified_email: str) -> User | None:
    """The user verified a new address at Cognito: make it their email (search key, identity and,
    by the caller, the copies on their bookings and tours), audited with before and after.

    `verified_email` is the address Cognito verified; None (nothing to do) when the record already has it.
    A concurrent edit of the user is retried on a fresh read.
    """
    new_email = verified_email.lower()
    for attempt in range(3):
        user = _own_user(user_id)
        if user.email == new_email and user.pending_email is None:
            return None
        updated = user.model_copy(update={"email": new_email, "pending_email": None, "updated_at": clock.now_iso()})
        audit = audit_action(
            actor_id=user_id,
            action="user.email_changed",
            resource_type="user",
            resource_id=user_id,
            details={"changed_fields": ["email"], "before": {"email": user.email}, "after": {"email": new_email}},
        )
        try:
            return store.save_user(updated, audit=audit)
        except Conflict:
            if attempt == 2:
                raise
    return None  # pragma: no cover - the loop returns or raises


def pending_email_of(user_id: str) -> str:
    """The address waiting for the caller's verification; 409 when none is."""
    user = _own_user(user_id)
    if not user.pending_email:
        raise Conflict("no new email is waiting to be verified")
    return user.pending_email


def _audit_value(name: str, value: object) -> object:
    if name == "phone":
        text = str(value or "")
        return None if not text else f"***{text[-2:]}"
    return _plain(value)


def _plain(value: object) -> object:
    return value.value if isinstance(value, StrEnum) else value


def admin_delete_user(caller: Caller, user_id: str) -> Resource[AdminUserAttributes]:
    """Disable sign-in at Cognito, sign out everywhere, and mark the record deleted (the authorizer refuses it)."""
    user = _changeable_user(user_id)
    if user.id == caller.user_id:
        raise Conflict("you cannot delete your own account; ask another admin")
    # Cognito first: if the record write then fails, a retry finds the user still active and redoes both.
    store.disable_sign_in(user.email)
    stamp = clock.now()
    deleted = user.model_copy(
        update={
            "status": UserStatus.DELETED,
            "updated_at": clock.iso(stamp),
            "signed_out_at": int(stamp.timestamp() * 1000),  # epoch milliseconds, as a sign-out
        }
    )
    audit = audit_action(
        actor_id=caller.user_id, action="user.deleted", resource_type="user", resource_id=user.id, details={}
    )
    store.save_user(deleted, audit=audit)
    return to_admin_resource(deleted, reveal_phone=False)


def avatar_upload_key(user_id: str, upload_id: str) -> str:
    return f"uploads/avatars/{user_id}/{upload_id}"


def avatar_key(user_id: str, upload_id: str) -> str:
    return f"media/avatars/{user_id}/{upload_id}.jpg"


def request_avatar_upload(caller: Caller, user_id: str, request: ImageUploadRequest) -> Resource[UploadAttributes]:
    """A presigned POST for a new avatar; the images function makes it the user's avatar once processed."""
    user = _changeable_user(user_id)
    upload_id = ids.new_id()
    upload = media.presigned_upload(
        key=avatar_upload_key(user.id, upload_id), content_type=request.content_type, uploaded_by=caller.user_id
    )
    # Nothing is written to the table until the image is processed; the grant itself is audited.
    record(
        actor_id=caller.user_id,
        action="user.avatar_upload_requested",
        resource_type="user",
        resource_id=user.id,
        details={"upload_id": upload_id},
    )
    attributes = UploadAttributes(
        image_id=upload_id,
        url=upload.url,
        fields=upload.fields,
        expires_at=upload.expires_at,
        max_bytes=media.UPLOAD_MAX_BYTES,
        content_type=request.content_type,
    )
    return Resource[UploadAttributes](id=upload_id, type="image_upload", attributes=attributes)


def set_avatar(user_id: str, new_avatar_key: str, *, actor_id: str) -> str | None:
    """Make a processed image the user's avatar; returns the key it replaced (for deletion).

    Raises NotFound when the user is gone or deleted. A concurrent change of the user is retried.
    """
    for _ in range(3):
        user = store.get_user(user_id)
        if user is None or user.status is not UserStatus.ACTIVE:
            raise NotFound("no such user")
        updated = user.model_copy(update={"avatar_key": new_avatar_key, "updated_at": clock.now_iso()})
        audit = audit_action(
            actor_id=actor_id,
            action="user.avatar_updated",
            resource_type="user",
            resource_id=user.id,
            details={"changed_fields": ["avatar"]},
        )
        try:
            store.save_user(updated, audit=audit)
        except Conflict:
            continue
        return user.avatar_key
    raise Conflict("the user keeps changing; retry later")
