"""AWS clients created lazily, once per container, with timeouts and standard retries.

Factories rather than module-level clients: a client built before an emulator starts is never
mocked (moto#3502), and functions that never touch a service never pay for its client.

Clients come from a botocore session, not boto3's: the clients are the same, and importing boto3
adds its resources and s3transfer (~20 ms of every cold start) that no API function uses. S3
clients keep boto3's transfer methods (`download_file`, `upload_file`...), imported on first call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache
from typing import Any

import botocore.session
from botocore.config import Config

from realty.core import snapstart

_CONFIG = Config(
    connect_timeout=2,
    read_timeout=5,
    retries={"mode": "standard", "max_attempts": 3},
)
# Presigned S3 URLs and POSTs must be SigV4: objects in SSE-KMS buckets refuse anything else.
_S3_CONFIG = _CONFIG.merge(Config(signature_version="s3v4"))
_S3_TRANSFER_METHODS = ("upload_file", "download_file", "copy", "upload_fileobj", "download_fileobj")


# One session per container: its loader parses each service model once, however many clients
# (and, in tests, however many fresh emulators) follow. Sessions are not thread-safe, so client
# creation is serialised; the clients themselves are.
_lock = threading.Lock()


@cache
def _session() -> Any:
    session = botocore.session.get_session()
    session.register("creating-client-class.s3", _add_s3_transfer_methods)
    return session


@cache
def client(service: str) -> Any:
    from realty.core.config import get_settings

    config = _S3_CONFIG if service == "s3" else _CONFIG
    with _lock:
        created = _session().create_client(service, region_name=get_settings().region, config=config)
    if service != "dynamodb":  # DynamoDB writes carry the check in their own transaction
        # The first event of every API call, before anything (a stub included) may answer it.
        created.meta.events.register("provide-client-params.*.*", _confirm_actor_before_change)
    return created


# Operations that change nothing outside (reads, and KMS turning bytes into bytes).
_UNCHANGING = ("Get", "List", "Describe", "Head", "Encrypt", "Decrypt", "GenerateDataKey")


def _confirm_actor_before_change(model: Any, **_: Any) -> None:
    """A state-changing request whose first change is outside DynamoDB (Chime meetings, Cognito's
    sign-in, a Step Functions execution...) checks its actor first, once (realty.core.actor)."""
    if not str(model.name).startswith(_UNCHANGING):
        from realty.core import actor

        actor.confirm()


def reset_clients() -> None:
    """Drop every cached client (tests start a fresh emulator per case)."""
    client.cache_clear()


@snapstart.before_snapshot
def _load_dynamodb_model() -> None:
    """Every user-facing function calls DynamoDB: its service model, parsed once before the snapshot,
    stays in the session's loader that restored copies keep (`renew_clients`)."""
    client("dynamodb")


@snapstart.after_restore
def renew_clients() -> None:
    """A restored copy makes its own clients (their connection pools) and resolves its own credentials.

    The new session keeps the old one's loader: the service models it parsed before the snapshot
    are not per copy, and parsing them again is most of what building a client costs.
    """
    with _lock:
        loader = _session().get_component("data_loader")
        client.cache_clear()
        _session.cache_clear()
        _session().register_component("data_loader", loader)


def _add_s3_transfer_methods(**event: Any) -> None:
    for name in _S3_TRANSFER_METHODS:
        event["class_attributes"].setdefault(name, _s3_transfer_method(name))


def _s3_transfer_method(name: str) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        # Only the processing functions move files; boto3 (s3transfer) is loaded when one does.
        from boto3.s3 import inject

        return getattr(inject, name)(self, *args, **kwargs)

    method.__name__ = name
    return method
