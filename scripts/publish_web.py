"""Publish the web app to a deployed stack: the bundle and a config.json for that stack, then invalidate.

    python scripts/publish_web.py --stack-name realtyforyou-dev [--region us-east-1]

Run after `sam deploy` (README, Deploy). Reads the stack's outputs (WebBucketName, WebDistributionId,
ApiUrl, UserPoolId, UserPoolClientId), builds the app (`tools.web`), uploads `web/dist` with its
content types, writes `config.json` (the API URL and Cognito ids: nothing of a stage is in the
bundle), and invalidates the distribution. It warns when the stack's `AllowedOrigin` is not the
app's URL (the API's CORS and the media bucket's uploads would refuse the app).
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import time
from typing import Any

from tools import web  # the Makefile puts the repository root on PYTHONPATH

_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".map": "application/json"}
# The entry page and the config change with every publish and must be revalidated; assets are
# invalidated on publish and otherwise kept five minutes.
_NO_CACHE = {"index.html", "config.json"}


def web_config(outputs: dict[str, str], region: str, stage: str) -> dict[str, Any]:
    return {
        "apiBaseUrl": outputs["ApiUrl"],
        "userPoolId": outputs["UserPoolId"],
        "userPoolClientId": outputs["UserPoolClientId"],
        "region": region,
        "stage": stage,
        "chimeMedia": True,
    }


def _cache_control(key: str) -> str:
    return "no-cache" if key in _NO_CACHE else "public, max-age=300"


def main(argv: list[str] | None = None) -> int:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)

    session: Any = boto3.session.Session(region_name=args.region)
    stack = session.client("cloudformation").describe_stacks(StackName=args.stack_name)["Stacks"][0]
    outputs = {item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs", [])}
    parameters = {item["ParameterKey"]: item.get("ParameterValue", "") for item in stack.get("Parameters", [])}
    dist = web.build(force=True)

    s3 = session.client("s3")
    bucket = outputs["WebBucketName"]
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        key = path.relative_to(dist).as_posix()
        content_type = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        s3.upload_file(
            str(path), bucket, key, ExtraArgs={"ContentType": content_type, "CacheControl": _cache_control(key)}
        )
    config = web_config(outputs, session.region_name, parameters.get("Stage", ""))
    s3.put_object(
        Bucket=bucket,
        Key="config.json",
        Body=json.dumps(config).encode(),
        ContentType="application/json",
        CacheControl=_cache_control("config.json"),
    )
    session.client("cloudfront").create_invalidation(
        DistributionId=outputs["WebDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(time.time())},
    )
    print(f"published the web app to {outputs['WebUrl']}")
    if parameters.get("AllowedOrigin") != outputs["WebUrl"]:
        print(
            f"warning: the stack's AllowedOrigin is {parameters.get('AllowedOrigin')!r}; deploy again with "
            f"AllowedOrigin={outputs['WebUrl']} so the API and photo uploads accept the app",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
