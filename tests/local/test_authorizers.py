"""API Gateway's TOKEN authorizer behaviour: policy evaluation and the result cache."""

from __future__ import annotations

from typing import Any

import pytest

from local.authorizers import (
    Allowed,
    MalformedPolicy,
    Rejected,
    TokenAuthorizer,
    arn_matches,
    evaluate_policy,
    method_arn,
)

ARN = method_arn(
    region="us-east-1", account_id="123456789012", api_id="abcdefghij", stage="dev", method="GET", path="/api/v1/me"
)
ARN_PREFIX = "arn:aws:execute-api:us-east-1:123456789012:abcdefghij"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def statement(effect: str, resource: str | list[str], action: str | list[str] = "execute-api:Invoke") -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource}


def test_method_arn_shape() -> None:
    assert f"{ARN_PREFIX}/dev/GET/api/v1/me" == ARN


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (f"{ARN_PREFIX}/dev/GET/api/v1/me", True),
        (f"{ARN_PREFIX}/*", True),
        (f"{ARN_PREFIX}/*/*", True),
        (f"{ARN_PREFIX}/dev/*/api/v1/*", True),
        (f"{ARN_PREFIX}/dev/GE?/api/v1/me", True),
        ("*", True),
        (f"{ARN_PREFIX}/dev/POST/*", False),
        (f"{ARN_PREFIX}/prod/*", False),
        (f"{ARN_PREFIX}/dev/GET/api/v1/m", False),
    ],
)
def test_resource_wildcards(pattern: str, expected: bool) -> None:
    assert arn_matches(pattern, ARN) is expected


def test_allow_statement_allows() -> None:
    assert evaluate_policy(policy(statement("Allow", f"{ARN_PREFIX}/*")), ARN) is True


def test_explicit_deny_wins_over_allow() -> None:
    document = policy(statement("Allow", "*"), statement("Deny", f"{ARN_PREFIX}/dev/GET/*"))

    assert evaluate_policy(document, ARN) is False


def test_no_matching_allow_is_not_allowed() -> None:
    assert evaluate_policy(policy(statement("Allow", f"{ARN_PREFIX}/dev/POST/*")), ARN) is None


def test_other_actions_do_not_count() -> None:
    assert evaluate_policy(policy(statement("Allow", "*", action="s3:GetObject")), ARN) is None
    assert evaluate_policy(policy(statement("Allow", "*", action=["execute-api:*"])), ARN) is True


def test_single_statement_object_and_resource_list() -> None:
    document = {"Statement": statement("Allow", ["arn:other", f"{ARN_PREFIX}/dev/*"])}

    assert evaluate_policy(document, ARN) is True


def test_malformed_policy() -> None:
    with pytest.raises(MalformedPolicy):
        evaluate_policy({"Statement": []}, ARN)
    with pytest.raises(MalformedPolicy):
        evaluate_policy(policy({"Effect": "Maybe", "Action": "*", "Resource": "*"}), ARN)


class FakeAuthorizer:
    """Stands in for the authorizer function: counts calls, answers per token."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(event)
        token = event["authorizationToken"]
        if token == "bad":
            raise Exception("Unauthorized")
        if token == "boom":
            raise RuntimeError("database down")
        if token == "narrow":
            return {"principalId": "u1", "policyDocument": policy(statement("Allow", event["methodArn"]))}
        if token == "deny":
            return {"principalId": "u1", "policyDocument": policy(statement("Deny", "*"))}
        if token == "nested":
            return {
                "principalId": "u1",
                "policyDocument": policy(statement("Allow", "*")),
                "context": {"user": {"id": "1"}},
            }
        return {
            "principalId": "user-1",
            "policyDocument": policy(statement("Allow", f"{ARN_PREFIX}/*")),
            "context": {"user_id": "user-1", "role": "buyer", "admin": False, "level": 3},
        }


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> FakeAuthorizer:
    return FakeAuthorizer()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def authorizer(fake: FakeAuthorizer, clock: Clock) -> TokenAuthorizer:
    return TokenAuthorizer(name="TokenAuthorizer", invoke=fake, ttl_seconds=300, clock=clock)


def test_missing_token_is_401_without_invoking(authorizer: TokenAuthorizer, fake: FakeAuthorizer) -> None:
    assert authorizer.authorize(None, ARN) == Rejected("UNAUTHORIZED", "Unauthorized")
    assert authorizer.authorize("", ARN) == Rejected("UNAUTHORIZED", "Unauthorized")
    assert fake.calls == []


def test_allowed_context_is_stringified(authorizer: TokenAuthorizer, fake: FakeAuthorizer) -> None:
    decision = authorizer.authorize("good", ARN)

    assert decision == Allowed("user-1", {"user_id": "user-1", "role": "buyer", "admin": "false", "level": "3"})
    assert fake.calls == [{"type": "TOKEN", "authorizationToken": "good", "methodArn": ARN}]


def test_cache_hits_within_ttl_and_expires(authorizer: TokenAuthorizer, fake: FakeAuthorizer, clock: Clock) -> None:
    authorizer.authorize("good", ARN)
    clock.now += 299
    authorizer.authorize("good", ARN)
    assert len(fake.calls) == 1

    clock.now += 2
    authorizer.authorize("good", ARN)
    assert len(fake.calls) == 2


def test_cache_is_per_token(authorizer: TokenAuthorizer, fake: FakeAuthorizer) -> None:
    authorizer.authorize("good", ARN)
    authorizer.authorize("other", ARN)

    assert len(fake.calls) == 2


def test_unauthorized_is_not_cached(authorizer: TokenAuthorizer, fake: FakeAuthorizer) -> None:
    assert authorizer.authorize("bad", ARN) == Rejected("UNAUTHORIZED", "Unauthorized")
    assert authorizer.authorize("bad", ARN) == Rejected("UNAUTHORIZED", "Unauthorized")

    assert len(fake.calls) == 2


def test_cached_policy_is_evaluated_against_each_method(authorizer: TokenAuthorizer, fake: FakeAuthorizer) -> None:
    other = ARN.replace("/GET/", "/POST/")

    assert isinstance(authorizer.authorize("narrow", ARN), Allowed)
    decision = authorizer.authorize("narrow", other)

    assert isinstance(decision, Rejected)
    assert decision.response_type == "ACCESS_DENIED"
    assert len(fake.calls) == 1


def test_deny_policy_is_403(authorizer: TokenAuthorizer) -> None:
    decision = authorizer.authorize("deny", ARN)

    assert decision == Rejected("ACCESS_DENIED", "User is not authorized to access this resource with an explicit deny")


def test_other_failures_are_500(authorizer: TokenAuthorizer) -> None:
    assert authorizer.authorize("boom", ARN) == Rejected("AUTHORIZER_FAILURE", "Internal server error")
    assert authorizer.authorize("nested", ARN) == Rejected("AUTHORIZER_CONFIGURATION_ERROR", "Internal server error")


def test_zero_ttl_disables_the_cache(fake: FakeAuthorizer, clock: Clock) -> None:
    authorizer = TokenAuthorizer(name="a", invoke=fake, ttl_seconds=0, clock=clock)

    authorizer.authorize("good", ARN)
    authorizer.authorize("good", ARN)

    assert len(fake.calls) == 2


def test_validation_expression_rejects_before_invoking(fake: FakeAuthorizer, clock: Clock) -> None:
    authorizer = TokenAuthorizer(name="a", invoke=fake, validation_expression=r"Bearer .+", clock=clock)

    assert authorizer.authorize("token-without-scheme", ARN) == Rejected("UNAUTHORIZED", "Unauthorized")
    assert fake.calls == []
