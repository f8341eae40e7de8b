"""Publish the web app to a deployed stack: the bundle and a config.json for that stack, then invalidate.

    python scripts/publish_web.py --stack-name realtyforyou-dev [--region us-east-1]

Run after `sam deploy` (README, Deploy). Reads the stack's outputs (WebBucketName, WebDistributionId,
WebUrl), builds the app (`tools.web`), uploads `web/dist` with its content types and invalidates the
distribution. The bundle only: `config.json` (the API URL and Cognito ids, nothing of a stage is in
the bundle) belongs to the stack, which writes it on every deploy (template.yaml `WebConfig`,
realty.webapp); a bundle that carries one is refused rather than let it replace the stack's.
"""

from __future__ import annotations

import argparse
import mimetypes
import sys
import time
from pathlib import Path
from typing import Any

from tools import web  # the Makefile puts the repository root on PYTHONPATH

_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".map": "application/json"}
# The entry page changes with every publish and must be revalidated; assets are
# invalidated on publish and otherwise kept five minutes.
_NO_CACHE = {"index.html"}
# Written by the stack (realty.webapp.CONFIG_KEY); the script never uploads it.
_STACK_OWNED = {"config.json"}


def bundle_files(dist: Path) -> list[tuple[Path, str]]:
    """(file, key) of everything to upload; refuses a bundle with a key the stack writes."""
    files = [(path, path.relative_to(dist).as_posix()) for path in sorted(dist.rglob("*")) if path.is_file()]
    owned = sorted(key for _, key in files if key in _STACK_OWNED)
    if owned:
        raise SystemExit(f"{dist} holds {', '.join(owned)}, which the stack writes on deploy: remove it from the build")
    return files


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
    dist = web.build(force=True)

    s3 = session.client("s3")
    bucket = outputs["WebBucketName"]
    for path, key in bundle_files(dist):
        content_type = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        s3.upload_file(
            str(path), bucket, key, ExtraArgs={"ContentType": content_type, "CacheControl": _cache_control(key)}
        )
    session.client("cloudfront").create_invalidation(
        DistributionId=outputs["WebDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(time.time())},
    )
    print(f"published the web app to {outputs['WebUrl']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
