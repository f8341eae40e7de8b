"""Secrets Manager values, cached per container: the one way the layer reads a secret.

Powertools' `SecretsProvider` does the caching (each value for `max_age` seconds, then one
GetSecretValue again, so a rotated secret is picked up). The provider is built on our own lazily
created client (`realty.core.aws.client`) and rebuilt when that client is replaced (tests reset
clients for every fresh emulator), so a cached value never outlives the account it came from.
Powertools' parameters utility is imported on the first read, by the functions that read a secret.

Errors are Powertools' own: `GetParameterError` (the secret could not be read) and, with a
`transform`, `TransformParameterError`; callers decide what each means for them.
"""

from __future__ import annotations

import threading
from typing import Any

from realty.core import snapstart

_lock = threading.Lock()
# (the Secrets Manager client the provider was built on, the provider)
_provider: tuple[Any, Any] | None = None


def _secrets_provider() -> Any:
    global _provider
    from realty.core.aws import client

    secretsmanager = client("secretsmanager")
    with _lock:
        if _provider is None or _provider[0] is not secretsmanager:
            from aws_lambda_powertools.utilities.parameters import SecretsProvider

            _provider = (secretsmanager, SecretsProvider(boto3_client=secretsmanager))
        return _provider[1]


def get_secret(arn: str, *, max_age: int, transform: str | None = None) -> Any:
    """The secret's value (a string, or what `transform="json"` makes of it), fetched at most once per `max_age`."""
    provider = _secrets_provider()
    if transform is None:
        return provider.get(arn, max_age=max_age)
    return provider.get(arn, max_age=max_age, transform=transform)


@snapstart.after_restore
def forget_secrets() -> None:
    """Drop every cached value (tests, right after an operator rotated a secret by hand, and after a
    SnapStart restore: the values and their expiry times would come from the snapshot)."""
    global _provider
    with _lock:
        _provider = None
