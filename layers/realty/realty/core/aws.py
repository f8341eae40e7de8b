"""boto3 clients created lazily, once per container, with timeouts and standard retries.

Factories rather than module-level clients: a client built before an emulator starts is never
mocked (moto#3502), and functions that never touch a service never pay for its client.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(
    connect_timeout=2,
    read_timeout=5,
    retries={"mode": "standard", "max_attempts": 3},
)
# Presigned S3 URLs and POSTs must be SigV4: objects in SSE-KMS buckets refuse anything else.
_S3_CONFIG = _CONFIG.merge(Config(signature_version="s3v4"))


# One session per container: its loader parses each service model once, however many clients
# (and, in tests, however many fresh emulators) follow. Sessions are not thread-safe, so client
# creation is serialised; the clients themselves are.
_lock = threading.Lock()


@cache
def _session() -> Any:
    return boto3.session.Session()


@cache
def client(service: str) -> Any:
    from realty.core.config import get_settings

    config = _S3_CONFIG if service == "s3" else _CONFIG
    with _lock:
        return _session().client(service, region_name=get_settings().region, config=config)


def reset_clients() -> None:
    """Drop every cached client (tests start a fresh emulator per case)."""
    client.cache_clear()
