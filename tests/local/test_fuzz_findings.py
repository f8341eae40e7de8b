"""Local-stack answers fuzzing (tests/fuzz) found to differ from AWS, now answered as AWS would."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator

import boto3
import pytest

from local import moto_fixes
from local.gateway import ApiConfig, ApiGateway, GatewayResponses, GatewayServer, Route, RouteTable
from realty.core.config import get_settings
from testkit.api import call

NOT_FOUND = '{"success": false, "errors": [{"code": "NOT_FOUND", "message": "no such route"}], "meta": {}}'


@pytest.fixture
def server() -> Iterator[GatewayServer]:
    responses = GatewayResponses(
        {"MISSING_AUTHENTICATION_TOKEN": {"StatusCode": 404, "ResponseTemplates": {"application/json": NOT_FOUND}}}
    )
    api = ApiConfig(logical_id="Api", api_id="abcdefghij", stage="dev", responses=responses)
    routes = RouteTable([Route("/api/v1/health", "GET", "Health", "Api", authorizer="NONE")])
    gateway = ApiGateway(routes, {"Api": api}, invoke=lambda *_: {"statusCode": 200, "body": "{}"})
    running = GatewayServer(("127.0.0.1", 0), gateway)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "QUERY"])
def test_a_method_api_gateway_does_not_route_is_the_not_found_envelope(server, method):
    # Found: http.server answered TRACE with its own 501 HTML page.
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(str(host), int(port), timeout=5)
    connection.request(method, "/api/v1/health")
    response = connection.getresponse()

    assert response.status == 404
    assert response.getheader("Content-Type") == "application/json"
    assert json.loads(response.read())["errors"][0]["code"] == "NOT_FOUND"
    connection.close()


def test_password_reset_for_an_unknown_email_is_a_wrong_code_not_a_502(aws, monkeypatch):
    # Found: moto says ResourceNotFoundException (on AWS: the app client is gone -> our 502);
    # Cognito with PreventUserExistenceErrors answers as for a wrong code.
    monkeypatch.setattr(moto_fixes, "_INSTALLED", False)
    from moto.cognitoidp.models import CognitoIdpBackend

    monkeypatch.setattr(CognitoIdpBackend, "confirm_forgot_password", CognitoIdpBackend.confirm_forgot_password)
    moto_fixes.install()
    body = {"email": "nobody@example.com", "code": "123456", "new_password": "Another-Pass-2026!"}

    result = call("POST", "/api/v1/auth/password-reset/confirm", body=body)

    assert result.status == 422, result.body
    assert result.error_codes == ["VALIDATION_ERROR"]
    assert result.body["errors"][0]["field"] == "code"


def test_password_reset_for_a_known_email_still_reaches_moto(aws, monkeypatch):
    monkeypatch.setattr(moto_fixes, "_INSTALLED", False)
    from moto.cognitoidp.models import CognitoIdpBackend

    monkeypatch.setattr(CognitoIdpBackend, "confirm_forgot_password", CognitoIdpBackend.confirm_forgot_password)
    moto_fixes.install()
    cognito = boto3.client("cognito-idp", region_name="us-east-1")
    pool = get_settings().user_pool_id
    cognito.admin_create_user(UserPoolId=pool, Username="someone@example.com", MessageAction="SUPPRESS")
    body = {"email": "someone@example.com", "code": "123456", "new_password": "Another-Pass-2026!"}

    assert call("POST", "/api/v1/auth/password-reset/confirm", body=body).status == 200
