"""The TOKEN authorizer: every forged, stale or misused token is a 401, never a 500."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from testkit.api import FakeLambdaContext, call, load_function
from testkit.aws import moto_private_jwk, moto_public_jwks

PASSWORD = "Correct-Horse-2026!"
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/api/v1/auth/me"


def authorize(header: str | None) -> dict:
    event = {"type": "TOKEN", "methodArn": METHOD_ARN}
    if header is not None:
        event["authorizationToken"] = header
    return load_function("authorizer").lambda_handler(event, FakeLambdaContext())


def assert_rejected(header: str | None) -> None:
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(header)


@pytest.fixture
def tokens(aws, jwks_server):
    email = "valid@example.com"
    call(
        "POST", "/api/v1/auth/register", body={"email": email, "password": PASSWORD, "full_name": "V", "role": "buyer"}
    )
    call("POST", "/api/v1/auth/confirm", body={"email": email, "code": "000000"})
    issued = call("POST", "/api/v1/auth/login", body={"email": email, "password": PASSWORD}).data["attributes"]
    authorize(f"Bearer {issued['access_token']}")  # first sight: the user record exists from here on
    return issued


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _moto_key():
    return jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(moto_private_jwk()))


def resign(token: str, *, key=None, kid: str = "dummy", **changes) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    claims.update(changes)
    return jwt.encode(claims, key or _moto_key(), algorithm="RS256", headers={"kid": kid})


def test_a_valid_access_token_is_allowed_with_the_callers_role(tokens):
    policy = authorize(f"Bearer {tokens['access_token']}")
    assert policy["context"]["role"] == "buyer"
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"


def test_the_key_set_is_fetched_once_per_container(tokens, jwks_server):
    for _ in range(5):
        authorize(f"Bearer {tokens['access_token']}")
    assert jwks_server.hits == 1


def test_resigned_token_with_the_pool_key_is_accepted(tokens):
    # Proves the forgeries below fail for the reason they test, not because re-signing is broken.
    authorize(f"Bearer {resign(tokens['access_token'])}")


def test_missing_header(tokens):
    assert_rejected(None)
    assert_rejected("")


def test_not_a_bearer_token(tokens):
    assert_rejected(f"Basic {tokens['access_token']}")
    assert_rejected("Bearer")


def test_malformed_jwt(tokens):
    assert_rejected("Bearer not.a.jwt")
    assert_rejected("Bearer abc")


def test_alg_none(tokens):
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    unsigned = f"{_b64(json.dumps({'alg': 'none', 'kid': 'dummy'}).encode())}.{_b64(json.dumps(claims).encode())}."
    assert_rejected(f"Bearer {unsigned}")


def test_hs256_signed_with_the_public_key(tokens):
    public = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(moto_public_jwks()["keys"][0]))
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'kid': 'dummy'}).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    assert_rejected(f"Bearer {signing_input}.{_b64(signature)}")


def test_unknown_kid(tokens):
    assert_rejected(f"Bearer {resign(tokens['access_token'], kid='rotated-away')}")


def test_bad_signature(tokens):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert_rejected(f"Bearer {resign(tokens['access_token'], key=stranger)}")


def test_tampered_payload(tokens):
    header, payload, signature = tokens["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "someone-else"
    assert_rejected(f"Bearer {header}.{_b64(json.dumps(claims).encode())}.{signature}")


def test_expired(tokens):
    past = int(time.time()) - 3600
    assert_rejected(f"Bearer {resign(tokens['access_token'], exp=past, iat=past - 3600)}")


def test_wrong_issuer(tokens):
    iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_SomeoneElse"
    assert_rejected(f"Bearer {resign(tokens['access_token'], iss=iss)}")


def test_id_token_in_place_of_an_access_token(tokens):
    assert_rejected(f"Bearer {tokens['id_token']}")


def test_wrong_client_id(tokens):
    assert_rejected(f"Bearer {resign(tokens['access_token'], client_id='another-app')}")


def test_a_signed_out_session_is_refused(tokens):
    policy = authorize(f"Bearer {tokens['access_token']}")
    from realty.core.auth import Caller, Role

    caller = Caller(user_id=policy["context"]["user_id"], role=Role.BUYER, email="valid@example.com")
    call("POST", "/api/v1/auth/logout", caller=caller, headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert_rejected(f"Bearer {tokens['access_token']}")


def test_the_context_names_the_token_for_the_write_check(tokens):
    """Every change checks the identity item of the token's `sub` against its `iat` (realty.core.actor)."""
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    context = authorize(f"Bearer {tokens['access_token']}")["context"]
    assert context["sub"] == claims["sub"]
    assert context["iat"] == claims["iat"]
    assert all(isinstance(value, str | int) for value in context.values())


def test_a_sign_out_refuses_tokens_of_its_second_and_before_but_not_after(tokens):
    from realty.core.config import get_settings

    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    header = f"Bearer {tokens['access_token']}"

    def sign_out_at(milliseconds: int) -> None:
        import boto3

        boto3.client("dynamodb", region_name="us-east-1").update_item(
            TableName=get_settings().main_table,
            Key={"PK": {"S": f"IDENTITY#{claims['sub']}"}, "SK": {"S": "IDENTITY"}},
            UpdateExpression="SET signed_out_at = :at",
            ExpressionAttributeValues={":at": {"N": str(milliseconds)}},
        )

    sign_out_at(claims["iat"] * 1000 - 1)  # the second before the token's: a later sign-in works
    assert authorize(header)["context"]["sub"] == claims["sub"]
    sign_out_at(claims["iat"] * 1000 + 998)  # within the token's second: not provably after it
    assert authorize(header)["context"]["sub"] == claims["sub"]
    sign_out_at(claims["iat"] * 1000 + 999)  # the token's whole second lies at or before it
    assert_rejected(header)


def test_first_sight_of_an_unverified_email_creates_no_user(aws, jwks_server):
    import boto3

    from realty.core.config import get_settings

    email = "unverified@example.com"
    call(
        "POST", "/api/v1/auth/register", body={"email": email, "password": PASSWORD, "full_name": "U", "role": "buyer"}
    )
    call("POST", "/api/v1/auth/confirm", body={"email": email, "code": "000000"})
    boto3.client("cognito-idp", region_name="us-east-1").admin_update_user_attributes(
        UserPoolId=get_settings().user_pool_id,
        Username=email,
        UserAttributes=[{"Name": "email_verified", "Value": "false"}],
    )
    issued = call("POST", "/api/v1/auth/login", body={"email": email, "password": PASSWORD}).data["attributes"]
    assert_rejected(f"Bearer {issued['access_token']}")


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": "9999999999"},
        {"exp": f"{int(time.time()) + 3600}"},
        {"iat": f"{int(time.time())}"},
        {"nbf": f"{int(time.time())}"},
        {"auth_time": f"{int(time.time())}"},
        {"exp": True},
        {"exp": float("inf")},
        {"exp": None},
    ],
    ids=[
        "exp-far-string",
        "exp-string",
        "iat-string",
        "nbf-string",
        "auth_time-string",
        "exp-bool",
        "exp-inf",
        "exp-null",
    ],
)
def test_numeric_date_claims_must_be_json_numbers(tokens, changes):
    assert_rejected(f"Bearer {resign(tokens['access_token'], **changes)}")


def test_numeric_dates_may_be_fractional(tokens):
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    authorize(f"Bearer {resign(tokens['access_token'], iat=claims['iat'] + 0.25, exp=claims['exp'] + 0.5)}")


def _iat(token: str) -> int:
    return int(jwt.decode(token, options={"verify_signature": False})["iat"])


def _start_of_a_second() -> None:
    # Leaves most of a whole second for sign-in, logout and sign-in again.
    time.sleep(1 - time.time() % 1 + 0.01)


def _logout(token: str) -> None:
    from realty.core.auth import Caller, Role

    policy = authorize(f"Bearer {token}")
    caller = Caller(user_id=policy["context"]["user_id"], role=Role.BUYER, email="valid@example.com")
    result = call("POST", "/api/v1/auth/logout", caller=caller, headers={"Authorization": f"Bearer {token}"})
    assert result.status == 200, result.body


def test_signing_in_again_in_the_same_second_as_a_logout_works_and_the_old_token_stays_dead(tokens):
    from realty.users.store import get_identity

    login = {"email": "valid@example.com", "password": PASSWORD}
    for _ in range(3):
        _start_of_a_second()
        before = call("POST", "/api/v1/auth/login", body=login).data["attributes"]["access_token"]
        _logout(before)
        after = call("POST", "/api/v1/auth/login", body=login).data["attributes"]["access_token"]
        sub = jwt.decode(after, options={"verify_signature": False})["sub"]
        signed_out_ms = get_identity(sub).signed_out_at
        if _iat(before) == _iat(after) == signed_out_ms // 1000:
            break
    else:
        pytest.skip("could not fit sign-in, logout and sign-in into one second on this machine")

    # The sign-out is stored in milliseconds, not as a whole second.
    assert signed_out_ms > 10**12
    policy = authorize(f"Bearer {after}")
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert_rejected(f"Bearer {before}")
    assert_rejected(f"Bearer {tokens['access_token']}")


def test_tokens_of_earlier_seconds_are_refused_without_asking_cognito(tokens, monkeypatch):
    from realty.auth import cognito

    _logout(tokens["access_token"])

    def must_not_be_called(**_: object) -> bool:
        raise AssertionError("Cognito asked about a token the clock alone decides")

    monkeypatch.setattr(cognito, "access_token_is_live", must_not_be_called)
    earlier = _iat(tokens["access_token"]) - 10
    assert_rejected(f"Bearer {resign(tokens['access_token'], iat=earlier)}")
