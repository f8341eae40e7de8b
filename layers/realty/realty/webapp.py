"""The web app's `config.json` in its hosting bucket, written by the stack itself at deploy time.

The bundle holds nothing of a stage: the app reads the API's URL and the Cognito ids from
`/config.json` (web/src/api.ts `AppConfig`). The stack writes it through a custom resource
(functions/web_config) on every deploy that changes one of them, and removes it with the stack, so the
app works after a single `sam deploy` plus the bundle's upload (scripts/publish_web.py), which never
touches this key. The local stack serves the same document (local/stack.py `web_config`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from realty.core.aws import client

CONFIG_KEY = "config.json"
# The entry page and the config are revalidated on every load (a deploy may change them at any time).
NO_CACHE = "no-cache"


def app_config(properties: Mapping[str, Any]) -> dict[str, Any]:
    """The app's configuration from the custom resource's properties (all strings, as CloudFormation
    sends them). Deployed meetings carry media (the local stack's do not)."""
    return {
        "apiBaseUrl": str(properties["ApiUrl"]),
        "userPoolId": str(properties["UserPoolId"]),
        "userPoolClientId": str(properties["UserPoolClientId"]),
        "region": str(properties["Region"]),
        "stage": str(properties["Stage"]),
        "chimeMedia": True,
    }


def write_config(properties: Mapping[str, Any]) -> str:
    """Create and Update: (re)write config.json; its physical id is the object's location."""
    bucket = str(properties["Bucket"])
    client("s3").put_object(
        Bucket=bucket,
        Key=CONFIG_KEY,
        Body=json.dumps(app_config(properties)).encode(),
        ContentType="application/json",
        CacheControl=NO_CACHE,
    )
    return f"s3://{bucket}/{CONFIG_KEY}"


def delete_config(properties: Mapping[str, Any]) -> None:
    """Delete: remove config.json (deleting a missing key succeeds)."""
    client("s3").delete_object(Bucket=str(properties["Bucket"]), Key=CONFIG_KEY)
