"""The emulated AWS account of a test, built from template.yaml's own resource definitions."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3

from testkit import env
from testkit.env import TEST_ENV
from tools.template import resources, template

REGION = TEST_ENV["AWS_REGION"]


def _env_refs() -> dict[str, str]:
    """env var -> logical id, for every `VAR: !Ref Resource` a function is given."""
    refs: dict[str, str] = {}
    blocks = [template()["Globals"]["Function"].get("Environment", {})]
    blocks += [f["Properties"].get("Environment", {}) for f in resources("AWS::Serverless::Function").values()]
    for block in blocks:
        for name, value in (block.get("Variables") or {}).items():
            if isinstance(value, dict) and value.get("Ref") in template()["Resources"]:
                refs[name] = value["Ref"]
    return refs


def _env_arns() -> dict[str, str]:
    """env var -> logical id, for every `VAR: !GetAtt Resource.Arn` a function is given."""
    arns: dict[str, str] = {}
    blocks = [f["Properties"].get("Environment", {}) for f in resources("AWS::Serverless::Function").values()]
    for block in blocks:
        for name, value in (block.get("Variables") or {}).items():
            target = value.get("Fn::GetAtt") if isinstance(value, dict) else None
            if isinstance(target, list) and target[1:] == ["Arn"] and target[0] in template()["Resources"]:
                arns[name] = target[0]
    return arns


# What `!GetAtt X.Arn` names in the emulated account, for resources tests never call themselves
# (a role Scheduler would assume, a dead-letter queue, a function Scheduler would invoke).
_FAKE_ARNS = {
    "AWS::IAM::Role": "arn:aws:iam::{account}:role/realty-test-{name}",
    "AWS::SQS::Queue": "arn:aws:sqs:{region}:{account}:realty-test-{name}",
    "AWS::Serverless::Function": "arn:aws:lambda:{region}:{account}:function:realty-test-{name}",
    "AWS::Lambda::Function": "arn:aws:lambda:{region}:{account}:function:realty-test-{name}",
}


def _table(logical_id: str, props: dict[str, Any], env_name: str, created: dict[str, str]) -> str:
    name = os.environ.get(env_name) or f"realty-test-{logical_id.lower()}"
    kwargs: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if props.get("GlobalSecondaryIndexes"):
        kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(**kwargs)
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    return name


def _user_pool(logical_id: str, props: dict[str, Any], env_name: str, created: dict[str, str]) -> str:
    client = boto3.client("cognito-idp", region_name=REGION)
    schema = [s for s in props.get("Schema", []) if s["Name"] not in {"email", "name"}]
    pool = client.create_user_pool(
        PoolName=f"realty-test-{logical_id.lower()}",
        UsernameAttributes=props.get("UsernameAttributes", []),
        AutoVerifiedAttributes=props.get("AutoVerifiedAttributes", []),
        Policies=props["Policies"],
        Schema=schema,
    )["UserPool"]
    return str(pool["Id"])


def _user_pool_client(logical_id: str, props: dict[str, Any], env_name: str, created: dict[str, str]) -> str:
    client = boto3.client("cognito-idp", region_name=REGION)
    pool_id = created[props["UserPoolId"]["Ref"]]
    response = client.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=props.get("ClientName", logical_id) if isinstance(props.get("ClientName"), str) else logical_id,
        ExplicitAuthFlows=props["ExplicitAuthFlows"],
        GenerateSecret=False,
        ReadAttributes=props.get("ReadAttributes", []),
        WriteAttributes=props.get("WriteAttributes", []),
    )
    return str(response["UserPoolClient"]["ClientId"])


def _kms_key(logical_id: str, props: dict[str, Any], env_name: str, created: dict[str, str]) -> str:
    return str(boto3.client("kms", region_name=REGION).create_key(Description=logical_id)["KeyMetadata"]["KeyId"])


def _secret(logical_id: str, props: dict[str, Any], env_name: str, created: dict[str, str]) -> str:
    # A secret the template creates with a literal value (a placeholder) starts with it, as deployed.
    literal = props.get("SecretString")
    value = literal if isinstance(literal, str) else os.urandom(32).hex()
    response = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name=f"realty-test-{logical_id.lower()}", SecretString=value
    )
    return str(response["ARN"])


def _bucket(logical_id: str, props: dict[str, Any], env_name: str, created: dict[str, str]) -> str:
    name = f"realty-test-{logical_id.lower()}"
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=name)
    return name


def _queue(logical_id: str, props: dict[str, Any], env_name: str, created: dict[str, str]) -> str:
    fifo = str(props.get("FifoQueue", "")).lower() == "true"
    attributes = {"FifoQueue": "true"} if fifo else {}
    response = boto3.client("sqs", region_name=REGION).create_queue(
        QueueName=f"realty-test-{logical_id.lower()}" + (".fifo" if fifo else ""), Attributes=attributes
    )
    return str(response["QueueUrl"])


# Made and named in the environment, then left out of it: without it a tour's execution starts at
# once, which is what the tests of the pipeline, the routes and the triggers check. The tests of the
# backpressure (tests/statemachine/test_processing_queue.py) put it back (`processing_queue`).
_STARTED_AT_ONCE = ("PROCESSING_QUEUE_URL",)


def _schedule_group(logical_id: str, props: dict[str, Any], env_name: str, created: dict[str, str]) -> str:
    name = f"realty-test-{logical_id.lower()}"
    boto3.client("scheduler", region_name=REGION).create_schedule_group(Name=name)
    return name


def _state_machine(logical_id: str, props: dict[str, Any], env_name: str, created: dict[str, str]) -> str:
    # The template's own definition, substitutions applied, upstream retry waits shortened for tests.
    from testkit.stepfunctions import create_state_machine

    return create_state_machine(logical_id)


_PROVISIONERS: dict[str, Callable[[str, dict[str, Any], str, dict[str, str]], str]] = {
    "AWS::DynamoDB::Table": _table,
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::Cognito::UserPoolClient": _user_pool_client,
    "AWS::KMS::Key": _kms_key,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::S3::Bucket": _bucket,
    "AWS::SQS::Queue": _queue,
    "AWS::Serverless::StateMachine": _state_machine,
    "AWS::Scheduler::ScheduleGroup": _schedule_group,
}


def provision() -> dict[str, str]:
    """Create every resource a function's environment refers to, and point the environment at it.

    Must run inside `mock_aws`. Returns logical id -> physical id.
    """
    refs = _env_refs()
    all_resources = template()["Resources"]
    created: dict[str, str] = {}
    # Dependencies first: a client needs its pool.
    needed = set(refs.values())
    for name in list(needed):
        props = all_resources[name].get("Properties", {})
        if isinstance(props.get("UserPoolId"), dict):
            needed.add(props["UserPoolId"]["Ref"])
    order = sorted(needed, key=lambda n: all_resources[n]["Type"] != "AWS::Cognito::UserPool")
    env_for = {logical: env for env, logical in refs.items()}
    for logical_id in order:
        resource = all_resources[logical_id]
        make = _PROVISIONERS.get(resource["Type"])
        if make is None:
            continue
        created[logical_id] = make(logical_id, resource.get("Properties", {}), env_for.get(logical_id, ""), created)
    for env_name, logical_id in refs.items():
        if logical_id in created:
            os.environ[env_name] = created[logical_id]
    for env_name in _STARTED_AT_ONCE:
        if env_name in os.environ:
            os.environ[f"TESTKIT_{env_name}"] = os.environ.pop(env_name)
    for env_name, logical_id in _env_arns().items():
        pattern = _FAKE_ARNS.get(all_resources[logical_id]["Type"])
        if pattern:
            os.environ[env_name] = pattern.format(region=REGION, account="123456789012", name=logical_id.lower())
    return created


def moto_public_jwks() -> dict[str, Any]:
    """The key set moto's Cognito signs with (it ships the key pair as package data)."""
    import gzip
    from importlib.resources import files

    data = files("moto.cognitoidp").joinpath("resources/jwks-public.json.gz").read_bytes()
    return dict(json.loads(gzip.decompress(data)))


def moto_private_jwk() -> dict[str, Any]:
    import gzip
    from importlib.resources import files

    data = files("moto.cognitoidp").joinpath("resources/jwks-private.json.gz").read_bytes()
    return dict(json.loads(gzip.decompress(data)))


# ---------------------------------------------------------------- the account around a test or a bench run


def reset_caches() -> None:
    """Forget what the layer caches per container (settings, clients, the key set): a fresh "container"."""
    from realty.auth.tokens import jwks_client
    from realty.core.aws import reset_clients
    from realty.core.config import reset_settings

    reset_settings()
    reset_clients()
    jwks_client.cache_clear()


@contextmanager
def emulated_account(**moto_config: Any) -> Iterator[dict[str, str]]:
    """A fresh moto account with the template's resources, the environment pointed at it.

    Yields logical id -> physical id. Caches are reset on the way in and out, so clients and settings
    made for the previous account are never reused.
    """
    from moto import mock_aws

    env.apply()
    reset_caches()
    try:
        config: Any = moto_config or None  # moto's DefaultConfig is a TypedDict of nested dicts
        with mock_aws(config=config):
            created = provision()
            reset_caches()
            yield created
    finally:
        reset_caches()


class JwksHandler(BaseHTTPRequestHandler):
    """Serves moto's Cognito key set (`jwks`), counting the requests (`hits`)."""

    jwks: dict[str, Any] = {}
    hits = 0
    url = ""

    def do_GET(self) -> None:
        type(self).hits += 1
        body = json.dumps(self.jwks).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def jwks_endpoint() -> Iterator[type[JwksHandler]]:
    """moto's Cognito key set over real HTTP on loopback, as the pool's JWKS endpoint would serve it.

    Yields the handler class: `.url` is where to point `COGNITO_JWKS_URL`, `.hits` counts fetches.
    """
    handler: type[JwksHandler] = type("Jwks", (JwksHandler,), {"jwks": moto_public_jwks(), "hits": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.url = f"http://127.0.0.1:{server.server_port}/jwks.json"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()
