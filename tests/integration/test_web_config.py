"""The stack's WebConfig custom resource: config.json written on Create and Update, removed on Delete,
and CloudFormation answered every time (a local HTTP server stands in for the presigned response URL)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

from testkit.api import FakeLambdaContext
from tools.functions import load_function
from tools.template import template

BUCKET = "realty-test-webbucket"
PROPERTIES = {
    "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:WebConfigFunction",
    "Bucket": BUCKET,
    "ApiUrl": "https://abc123.execute-api.us-east-1.amazonaws.com/dev/api/v1",
    "Region": "us-east-1",
    "Stage": "dev",
    "UserPoolId": "us-east-1_pool",
    "UserPoolClientId": "client123",
}


class ResponseUrl(BaseHTTPRequestHandler):
    """CloudFormation's response URL: records each answer (its body and content type)."""

    url = ""
    answers: list[dict[str, Any]] = []
    content_types: list[str | None] = []

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).answers.append(json.loads(body))
        type(self).content_types.append(self.headers.get("Content-Type"))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def response_url() -> Iterator[type[ResponseUrl]]:
    ResponseUrl.answers, ResponseUrl.content_types = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), ResponseUrl)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ResponseUrl.url = f"http://127.0.0.1:{server.server_address[1]}/cfn-response?X-Amz-Signature=abc"
    try:
        yield ResponseUrl
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def s3(aws: dict[str, str]) -> Any:
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key="index.html", Body=b"<!doctype html>")  # the published bundle
    return client


def _event(request_type: str, url: str, properties: dict[str, str], physical_id: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/realtyforyou-dev/guid",
        "RequestId": f"request-{request_type.lower()}",
        "ResourceType": "Custom::WebConfig",
        "LogicalResourceId": "WebConfig",
        "ResourceProperties": properties,
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
        event["OldResourceProperties"] = PROPERTIES
    return event


def _invoke(event: dict[str, Any]) -> dict[str, Any]:
    return dict(load_function("web_config").lambda_handler(event, FakeLambdaContext()))


def _config(s3: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    stored = s3.get_object(Bucket=BUCKET, Key="config.json")
    return json.loads(stored["Body"].read()), stored


def test_create_writes_the_apps_config_and_answers_success(s3: Any, response_url: type[ResponseUrl]) -> None:
    _invoke(_event("Create", response_url.url, PROPERTIES))

    config, stored = _config(s3)
    assert config == {
        "apiBaseUrl": PROPERTIES["ApiUrl"],
        "userPoolId": "us-east-1_pool",
        "userPoolClientId": "client123",
        "region": "us-east-1",
        "stage": "dev",
        "chimeMedia": True,
    }
    assert stored["ContentType"] == "application/json"
    assert stored["CacheControl"] == "no-cache"  # a redeploy's new ids reach the next page load
    (answer,) = response_url.answers
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == f"s3://{BUCKET}/config.json"
    assert (answer["RequestId"], answer["LogicalResourceId"]) == ("request-create", "WebConfig")
    assert answer["StackId"].endswith("stack/realtyforyou-dev/guid")
    assert response_url.content_types == [""]  # the presigned URL signs no content type


def test_update_rewrites_it_under_the_same_physical_id(s3: Any, response_url: type[ResponseUrl]) -> None:
    url = response_url.url
    _invoke(_event("Create", url, PROPERTIES))
    changed = {**PROPERTIES, "ApiUrl": "https://xyz789.execute-api.us-east-1.amazonaws.com/dev/api/v1"}

    _invoke(_event("Update", url, changed, physical_id=f"s3://{BUCKET}/config.json"))

    config, _ = _config(s3)
    assert config["apiBaseUrl"] == changed["ApiUrl"]
    created, updated = response_url.answers
    # The same id: a new one would make CloudFormation delete the "old" config.json, the one just written.
    assert updated["Status"] == "SUCCESS"
    assert updated["PhysicalResourceId"] == created["PhysicalResourceId"]


def test_delete_removes_the_config_only(s3: Any, response_url: type[ResponseUrl]) -> None:
    url = response_url.url
    _invoke(_event("Create", url, PROPERTIES))

    _invoke(_event("Delete", url, PROPERTIES, physical_id=f"s3://{BUCKET}/config.json"))

    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert keys == ["index.html"]
    assert [answer["Status"] for answer in response_url.answers] == ["SUCCESS", "SUCCESS"]


def test_a_failed_delete_still_answers_success(s3: Any, response_url: type[ResponseUrl]) -> None:
    """Never block a stack's deletion (or a failed create's rollback): the bucket may already be gone."""
    gone = {**PROPERTIES, "Bucket": "realty-test-no-such-bucket"}

    _invoke(_event("Delete", response_url.url, gone, physical_id="WebConfig-request-create"))

    (answer,) = response_url.answers
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == "WebConfig-request-create"


def test_a_failed_create_answers_failed_with_the_reason(s3: Any, response_url: type[ResponseUrl]) -> None:
    gone = {**PROPERTIES, "Bucket": "realty-test-no-such-bucket"}

    _invoke(_event("Create", response_url.url, gone))

    (answer,) = response_url.answers
    assert answer["Status"] == "FAILED"
    assert "NoSuchBucket" in answer["Reason"]
    assert answer["PhysicalResourceId"] == "WebConfig-request-create"  # what a rollback's Delete will carry


def test_the_template_passes_what_the_function_reads_and_allows_that_one_key() -> None:
    resources = template()["Resources"]
    properties = resources["WebConfig"]["Properties"]
    assert set(properties) == set(PROPERTIES)
    assert properties["ServiceToken"] == {"Fn::GetAtt": ["WebConfigFunction", "Arn"]}
    assert properties["Bucket"] == {"Ref": "WebBucket"}
    (statement,) = resources["WebConfigFunction"]["Properties"]["Policies"][0]["Statement"]
    assert sorted(statement["Action"]) == ["s3:DeleteObject", "s3:PutObject"]
    assert statement["Resource"] == {"Fn::Sub": "${WebBucket.Arn}/config.json"}
