"""User rules: provisioning from a Cognito identity, the caller's own profile."""

from __future__ import annotations

from realty.core import clock, ids
from realty.core.audit import audit_action
from realty.core.auth import Caller, Role
from realty.core.envelope import Resource
from realty.core.errors import Conflict, NotFound
from realty.users import store
from realty.users.models import UpdateProfileRequest, User, UserAttributes, UserStatus

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
        avatar_url=user.avatar_url,
        created_at=user.created_at,
        updated_at=user.updated_at,
    )
    return Resource[UserAttributes](id=user.id, type="user", attributes=attributes)


def _active_user(user_id: str) -> User:
    user = store.get_user(user_id)
    if user is None or user.status is not UserStatus.ACTIVE:
        raise NotFound("no such user")
    return user


def get_profile(caller: Caller) -> Resource[UserAttributes]:
    return to_resource(_active_user(caller.user_id), reveal_phone=True)


def update_profile(caller: Caller, request: UpdateProfileRequest) -> Resource[UserAttributes]:
    user = _active_user(caller.user_id)
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
    store.save_user(updated, expected_updated_at=user.updated_at, audit=audit)
    return to_resource(updated, reveal_phone=True)


def record_sign_out(user_id: str, signed_out_at: int) -> None:
    """Tokens issued up to this second are refused by the authorizer from now on."""
    user = _active_user(user_id)
    updated = user.model_copy(update={"signed_out_at": signed_out_at, "updated_at": clock.now_iso()})
    audit = audit_action(
        actor_id=user_id, action="user.signed_out", resource_type="user", resource_id=user_id, details={}
    )
    store.save_user(updated, expected_updated_at=user.updated_at, audit=audit)
