"""Where moto answers differently from AWS in a way the app's error mapping can see, the local stack
answers like AWS. Installed once, in-process, before the moto server starts (`stack.LocalStack`).

- Cognito `ConfirmForgotPassword` for an account that does not exist: moto raises
  `ResourceNotFoundException` (which on AWS means the app client is gone, so the app answers 502);
  Cognito, with `PreventUserExistenceErrors: ENABLED` as in template.yaml, answers as for a wrong
  code (`CodeMismatchException`), so the API answers 422 without revealing whether the email exists.

- DynamoDB from several threads (the state machine's Map iterations, the local stack's server
  threads): moto's `transact_write_items` deep-copies every table it touches to roll back on failure,
  while a write on another thread may change that table ("dictionary changed size during
  iteration", a write AWS would have made). Writes to moto's DynamoDB backend are serialised
  (`serialise_dynamodb_writes`), which is what DynamoDB's own isolation gives a caller. Reads are
  serialised with them: a read of moto's backend can change what that deep copy walks too (a burst of
  processed tours, each Finalize querying its tour while others commit, failed that copy).

- Cognito `VerifyUserAttribute` (a user confirming the new email an admin set): moto has no such
  operation, and changes an email at once in `AdminUpdateUserAttributes` rather than keeping it
  pending as `AttributesRequireVerificationBeforeUpdate` does. Locally the new address is therefore
  already the account's, and the verification accepts a code as moto's other confirmations do
  (below), so the app's flow (`POST /auth/me/email/verify`) completes as on AWS.

Not changed: moto accepts any confirmation code that does not start with `moto-confirmation-code:`
(the local stack sends no Cognito email, so this is how a password reset can be tried locally).
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_INSTALLED = False
_DYNAMODB_LOCK = threading.RLock()
_DYNAMODB_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
# BatchGetItem reads through `get_item`, one key at a time.
_DYNAMODB_READS = ("get_item", "query", "scan", "transact_get_items")


def install() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    from moto.cognitoidp.exceptions import CodeMismatchException
    from moto.cognitoidp.models import CognitoIdpBackend

    original = CognitoIdpBackend.confirm_forgot_password

    def confirm_forgot_password(
        self: CognitoIdpBackend, client_id: str, username: str, password: str, confirmation_code: str
    ) -> Any:
        for pool in self.user_pools.values():
            if client_id in pool.clients and not pool._get_user(username):
                raise CodeMismatchException("Invalid verification code provided, please try again.")
        return original(self, client_id, username, password, confirmation_code)

    CognitoIdpBackend.confirm_forgot_password = confirm_forgot_password  # type: ignore[method-assign]
    _add_verify_user_attribute()
    serialise_dynamodb_writes()
    _INSTALLED = True


def _add_verify_user_attribute() -> None:
    from moto.cognitoidp.exceptions import CodeMismatchException
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.core.responses import EmptyResult

    def verify_user_attribute(self: CognitoIdpResponse) -> Any:
        code = str(self._get_param("Code") or "")
        if self._get_param("AttributeName") != "email" or code.startswith("moto-confirmation-code:"):
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        return EmptyResult()

    CognitoIdpResponse.verify_user_attribute = verify_user_attribute  # type: ignore[attr-defined]


def serialise_dynamodb_writes() -> None:
    """One write (or read) at a time in moto's DynamoDB backend (see the module's docstring); idempotent."""
    from moto.dynamodb.models import DynamoDBBackend

    for name in (*_DYNAMODB_WRITES, *_DYNAMODB_READS):
        original = getattr(DynamoDBBackend, name)
        if getattr(original, "_serialised", False):
            continue

        def serialised(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with _DYNAMODB_LOCK:
                return _original(*args, **kwargs)

        functools.update_wrapper(serialised, original)
        serialised._serialised = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, serialised)
