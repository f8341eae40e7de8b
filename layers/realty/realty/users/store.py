"""DynamoDB access for users: the profile item and the identity item keyed by Cognito `sub`."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from realty.core import shards
from realty.core.audit import audit_action
from realty.core.auth import Role
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.dynamo import Guarded, batch_get, from_item, index_key_names, key, to_item, transact
from realty.core.errors import Conflict, RateLimited, UpstreamError, ValidationFailed
from realty.users.identity import Identity
from realty.users.identity import get_identity as get_identity  # the authorizer's one read, kept light there
from realty.users.models import User


def user_key(user_id: str) -> dict[str, Any]:
    return key(f"USER#{user_id}", "PROFILE")


def _user_item(user: User) -> dict[str, Any]:
    order = f"{user.created_at}#{user.id}"
    return {
        "PK": f"USER#{user.id}",
        "SK": "PROFILE",
        "GSI1PK": f"ROLE#{user.role.value}",
        "GSI1SK": order,
        "GSI2PK": shards.partition("USERS", user.id),
        "GSI2SK": order,
        # Admin search by email prefix without a Scan: one partition per first character, the email
        # as sort key (`begins_with`). Written with every save, so an email change moves the user.
        **email_search_key(user.email, user.id),
        "entity": "user",
        **user.model_dump(mode="json"),
    }


def email_search_key(email: str, user_id: str) -> dict[str, str]:
    """GSI3 of a user: `EMAIL#<first character>` / `<email>#<user id>` (emails are stored lower case)."""
    email = email.lower()
    return {"GSI3PK": f"EMAIL#{email[:1]}", "GSI3SK": f"{email}#{user_id}"}


def _identity_item(user: User) -> dict[str, Any]:
    identity = Identity(
        user_id=user.id, role=user.role, email=user.email, status=user.status, signed_out_at=user.signed_out_at
    )
    return {
        "PK": f"IDENTITY#{user.cognito_sub}",
        "SK": "IDENTITY",
        "entity": "identity",
        **identity.values(),
    }


def get_user(user_id: str) -> User | None:
    response = client("dynamodb").get_item(TableName=get_settings().main_table, Key=user_key(user_id))
    item = response.get("Item")
    return User.model_validate(from_item(item)) if item else None


def create_user(user: User) -> None:
    """User and identity together; the identity's condition makes a second creation for one `sub` fail."""
    table = get_settings().main_table
    transact(
        Guarded(
            {
                "Put": {
                    "TableName": table,
                    "Item": to_item(_identity_item(user)),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            "this identity already has a user",
        ),
        Guarded(
            {
                "Put": {
                    "TableName": table,
                    "Item": to_item(_user_item(user)),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            "this user already exists",
        ),
        audit_action(
            actor_id=user.id,
            action="user.created",
            resource_type="user",
            resource_id=user.id,
            details={"role": user.role.value},
        ),
    )


def save_user(user: User, *, audit: dict[str, Any]) -> User:
    """Replace the user and its identity, if nobody changed the user since it was read.

    `user.version` is the version that was read; the stored item gets the next one. A counter, not
    `updated_at`, guards the write: two edits within one second must not both win.
    """
    table = get_settings().main_table
    stored = user.model_copy(update={"version": user.version + 1})
    put = {
        "Put": {
            "TableName": table,
            "Item": to_item(_user_item(stored)),
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":expected": {"N": str(user.version)}},
        }
    }
    transact(
        Guarded(put, "the user was changed by another request, retry"),
        {"Put": {"TableName": table, "Item": to_item(_identity_item(stored))}},
        audit,
    )
    return stored


def encrypt_phone(user_id: str, phone: str) -> str:
    """Phone numbers are PII: encrypted with the data key, bound to their owner by encryption context."""
    import base64

    response = client("kms").encrypt(
        KeyId=get_settings().kms_key_id, Plaintext=phone.encode(), EncryptionContext={"user_id": user_id}
    )
    return base64.b64encode(response["CiphertextBlob"]).decode()


def decrypt_phone(user_id: str, ciphertext: str) -> str:
    import base64

    response = client("kms").decrypt(
        CiphertextBlob=base64.b64decode(ciphertext), EncryptionContext={"user_id": user_id}
    )
    return bytes(response["Plaintext"]).decode()


def query_users(
    role: Role | None, *, limit: int, start_key: dict[str, Any] | None, email_prefix: str | None = None
) -> tuple[list[User], dict[str, Any] | None]:
    """Newest first: one role's users (GSI1 `ROLE#<role>`) or everyone (GSI2 `USERS`); one Query.

    With `email_prefix` (lower case, not empty): the users whose email starts with it, in email
    order, from GSI3 `EMAIL#<first character>` with `begins_with`; a role then filters that Query.
    """
    request: dict[str, Any]
    if email_prefix:
        index = "GSI3"
        request = {
            "TableName": get_settings().main_table,
            "IndexName": index,
            "KeyConditionExpression": "GSI3PK = :pk AND begins_with(GSI3SK, :prefix)",
            "ExpressionAttributeValues": {
                ":pk": {"S": email_search_key(email_prefix, "")["GSI3PK"]},
                ":prefix": {"S": email_prefix},
            },
        }
        if role:
            request["FilterExpression"] = "#role = :role"
            request["ExpressionAttributeNames"] = {"#role": "role"}
            request["ExpressionAttributeValues"][":role"] = {"S": role.value}
    else:
        index, partition = ("GSI1", f"ROLE#{role.value}") if role else ("GSI2", "USERS")
        request = {
            "TableName": get_settings().main_table,
            "IndexName": index,
            "KeyConditionExpression": f"{index}PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": partition}},
            "ScanIndexForward": False,
        }
    items, last_key = shards.read_page(request, limit=limit, start_key=start_key, key_names=index_key_names(index))
    return [User.model_validate(from_item(item)) for item in items], last_key


def email_owners(email: str) -> list[str]:
    """The ids of the users whose email is exactly this one (lower case): one Query of GSI3."""
    keys = email_search_key(email, "")
    response = client("dynamodb").query(
        TableName=get_settings().main_table,
        IndexName="GSI3",
        KeyConditionExpression="GSI3PK = :pk AND begins_with(GSI3SK, :email)",
        ExpressionAttributeValues={":pk": {"S": keys["GSI3PK"]}, ":email": {"S": keys["GSI3SK"]}},
        ProjectionExpression="id",
    )
    return [str(item["id"]["S"]) for item in response.get("Items", [])]


def backfill_email_search_keys(*, page_size: int = 100) -> int:
    """Give every user saved before the email search key existed its GSI3 keys; returns how many.

    A maintenance step run once per stage (`make email-index STACK=...`), never on a request path:
    it pages through GSI2 `USERS` (a Query, not a Scan) and adds the keys with a conditional update
    that only applies while the email is unchanged and the keys still missing, so a user saved in
    the meantime (who got the keys from that save) is left alone.
    """
    table = get_settings().main_table
    request = {
        "TableName": table,
        "IndexName": "GSI2",
        "KeyConditionExpression": "GSI2PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": "USERS"}},
    }
    added = 0
    start_key: dict[str, Any] | None = None
    while True:
        items, start_key = shards.read_page(
            request, limit=page_size, start_key=start_key, key_names=index_key_names("GSI2")
        )
        for item in items:
            if "GSI3PK" in item:
                continue
            user = User.model_validate(from_item(item))
            keys = email_search_key(user.email, user.id)
            update = {
                "Update": {
                    "TableName": table,
                    "Key": user_key(user.id),
                    "UpdateExpression": "SET GSI3PK = :gsi3pk, GSI3SK = :gsi3sk",
                    "ConditionExpression": "email = :email AND attribute_not_exists(GSI3PK)",
                    "ExpressionAttributeValues": to_item(
                        {":gsi3pk": keys["GSI3PK"], ":gsi3sk": keys["GSI3SK"], ":email": user.email}
                    ),
                }
            }
            try:
                transact(Guarded(update, "the user was saved meanwhile"))
            except Conflict:
                continue
            added += 1
        if not start_key:
            return added


def disable_sign_in(username: str) -> None:
    """Cognito stops signing the user in and revokes their refresh tokens (access tokens run out).

    A user without a Cognito account (seeded, or already removed there) has nothing to disable.
    """
    pool_id = get_settings().user_pool_id
    cognito = client("cognito-idp")
    try:
        cognito.admin_disable_user(UserPoolId=pool_id, Username=username)
        cognito.admin_user_global_sign_out(UserPoolId=pool_id, Username=username)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "UserNotFoundException":
            return
        if code in {"TooManyRequestsException", "LimitExceededException"}:
            raise RateLimited("the sign-in service is busy, retry later") from error
        raise UpstreamError("the sign-in service failed, retry later") from error


def request_email_change(username: str, new_email: str) -> None:
    """Ask Cognito to change the user's email: with `AttributesRequireVerificationBeforeUpdate` (the
    user pool's setting) Cognito keeps the current address, for signing in and for mail, and emails a
    code to the new one; the address changes when the user verifies it (`VerifyUserAttribute`).
    `email_verified` is not sent: `true` would skip the verification, which is the point.
    """
    try:
        client("cognito-idp").admin_update_user_attributes(
            UserPoolId=get_settings().user_pool_id,
            Username=username,
            UserAttributes=[{"Name": "email", "Value": new_email}],
        )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in {"AliasExistsException", "UsernameExistsException"}:
            raise Conflict("another account uses this email", field="email") from error
        if code == "UserNotFoundException":
            raise Conflict("this user has no sign-in account to verify a new email with", field="email") from error
        if code == "InvalidParameterException":
            raise ValidationFailed("email is not accepted", field="email") from error
        if code in {"TooManyRequestsException", "LimitExceededException"}:
            raise RateLimited("the sign-in service is busy, retry later") from error
        raise UpstreamError("the sign-in service failed, retry later") from error


def enable_sign_in(username: str) -> None:
    """Cognito signs the user in again (after `disable_sign_in`); a user without an account has nothing to do."""
    try:
        client("cognito-idp").admin_enable_user(UserPoolId=get_settings().user_pool_id, Username=username)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "UserNotFoundException":
            return
        if code in {"TooManyRequestsException", "LimitExceededException"}:
            raise RateLimited("the sign-in service is busy, retry later") from error
        raise UpstreamError("the sign-in service failed, retry later") from error


# ---------------------------------------------------------------- calendar feed tokens
# The secret is never stored: `FEED#<sha256 of the token>` maps it to its user, and the user's
# `CALENDAR_FEED` item remembers which hash is current, so a new token or a revocation removes the
# old mapping in the same transaction.


def feed_owner(token_hash: str) -> dict[str, Any] | None:
    """`{user_id, role}` of a live feed token, or None: one GetItem."""
    response = client("dynamodb").get_item(TableName=get_settings().main_table, Key=key(f"FEED#{token_hash}", "FEED"))
    item = response.get("Item")
    return from_item(item) if item else None


def current_feed(user_id: str) -> dict[str, Any] | None:
    response = client("dynamodb").get_item(
        TableName=get_settings().main_table, Key=key(f"USER#{user_id}", "CALENDAR_FEED"), ConsistentRead=True
    )
    item = response.get("Item")
    return from_item(item) if item else None


def replace_feed(
    user_id: str, role: str, *, new_hash: str | None, old_hash: str | None, created_at: str, audit: dict[str, Any]
) -> None:
    """Swap the user's feed token (`new_hash` None: revoke it) in one transaction."""
    table = get_settings().main_table
    changed = "the calendar feed was changed by another request; retry"
    actions: list[dict[str, Any] | Guarded] = []
    if old_hash:
        actions.append(Guarded({"Delete": {"TableName": table, "Key": key(f"FEED#{old_hash}", "FEED")}}, changed))
    pointer_key = key(f"USER#{user_id}", "CALENDAR_FEED")
    guard: dict[str, Any] = (
        {"ConditionExpression": "token_hash = :old", "ExpressionAttributeValues": {":old": {"S": old_hash}}}
        if old_hash
        else {"ConditionExpression": "attribute_not_exists(PK)"}
    )
    if new_hash:
        feed = {"PK": f"FEED#{new_hash}", "SK": "FEED", "entity": "calendar_feed", "user_id": user_id, "role": role}
        pointer = {**pointer_key, "entity": "calendar_feed_pointer", "token_hash": new_hash, "created_at": created_at}
        actions.append(
            Guarded(
                {"Put": {"TableName": table, "Item": to_item(feed), "ConditionExpression": "attribute_not_exists(PK)"}},
                changed,
            )
        )
        typed_pointer = {**pointer_key, **to_item({k: v for k, v in pointer.items() if k not in ("PK", "SK")})}
        actions.append(Guarded({"Put": {"TableName": table, "Item": typed_pointer, **guard}}, changed))
    else:
        actions.append(Guarded({"Delete": {"TableName": table, "Key": pointer_key, **guard}}, changed))
    transact(*actions, audit)


# ---------------------------------------------------------------- notification preferences

NOTIFICATIONS_SK = "NOTIFICATIONS"


def preferences_key(user_id: str) -> dict[str, Any]:
    return key(f"USER#{user_id}", NOTIFICATIONS_SK)


def notification_items(user_ids: list[str]) -> list[dict[str, Any]]:
    """The preferences items (plain) of these users that have one: one BatchGetItem."""
    return batch_get(get_settings().main_table, [preferences_key(u) for u in dict.fromkeys(user_ids)])


def notification_item(user_id: str) -> dict[str, Any] | None:
    response = client("dynamodb").get_item(
        TableName=get_settings().main_table, Key=preferences_key(user_id), ConsistentRead=True
    )
    item = response.get("Item")
    return from_item(item) if item else None


def save_notifications(user_id: str, values: dict[str, Any], *, audit: dict[str, Any]) -> None:
    """Replace the user's preferences whole, with the audit item."""
    item = {"PK": f"USER#{user_id}", "SK": NOTIFICATIONS_SK, "entity": "notification_preferences", **values}
    put = {"Put": {"TableName": get_settings().main_table, "Item": to_item(item)}}
    transact(Guarded(put, "the preferences were changed by another request; retry"), audit)
