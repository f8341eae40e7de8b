"""Where moto answers differently from AWS in a way the app's error mapping can see, the local stack
answers like AWS. Installed once, in-process, before the moto server starts (`stack.LocalStack`).

- Cognito `ConfirmForgotPassword` for an account that does not exist: moto raises
  `ResourceNotFoundException` (which on AWS means the app client is gone, so the app answers 502);
  Cognito, with `PreventUserExistenceErrors: ENABLED` as in template.yaml, answers as for a wrong
  code (`CodeMismatchException`), so the API answers 422 without revealing whether the email exists.

Not changed: moto accepts any confirmation code that does not start with `moto-confirmation-code:`
(the local stack sends no Cognito email, so this is how a password reset can be tried locally).
"""

from __future__ import annotations

from typing import Any

_INSTALLED = False


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
    _INSTALLED = True
