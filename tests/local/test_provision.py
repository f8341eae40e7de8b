"""Resources created in moto from template.yaml's own properties."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.provision import PROVISIONERS, Provisioned, provision
from local.template import Resolver, Template, TemplateError, load_template, parse_yaml

REPO_ROOT = Path(__file__).resolve().parents[2]


def _client(service: str) -> Any:
    return boto3.client(service, region_name="us-east-1")


@pytest.fixture
def stack() -> Iterator[tuple[Resolver, dict[str, Provisioned]]]:
    with mock_aws():
        resolver = Resolver(load_template(REPO_ROOT / "template.yaml"), stack_name="realtyforyou-local")
        yield resolver, provision(resolver)


def test_every_known_resource_type_is_created(stack: tuple[Resolver, dict[str, Provisioned]]) -> None:
    resolver, resources = stack
    for logical_id, resource in resolver.template.resources.items():
        if not resolver.resource_enabled(resource):  # its Condition is false (e.g. no AlarmEmail given)
            assert logical_id not in resources, logical_id
            continue
        assert resources[logical_id].created is (resource["Type"] in PROVISIONERS), logical_id


def test_tables_have_the_template_keys_indexes_and_ttl(stack: tuple[Resolver, dict[str, Provisioned]]) -> None:
    resolver, resources = stack
    dynamodb = _client("dynamodb")
    expected = resolver.template.resources["MainTable"]["Properties"]

    table = dynamodb.describe_table(TableName=resources["MainTable"].ref)["Table"]

    assert table["TableName"] == "realtyforyou-local-maintable"
    assert table["KeySchema"] == expected["KeySchema"]
    assert sorted(index["IndexName"] for index in table["GlobalSecondaryIndexes"]) == sorted(
        index["IndexName"] for index in expected["GlobalSecondaryIndexes"]
    )
    ttl = dynamodb.describe_time_to_live(TableName=resources["MainTable"].ref)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    assert resources["MainTable"].attributes["Arn"] == table["TableArn"]


def test_user_pool_and_client_follow_the_template(stack: tuple[Resolver, dict[str, Provisioned]]) -> None:
    _, resources = stack
    cognito = _client("cognito-idp")
    pool_id = resources["UserPool"].ref

    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    client = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=resources["UserPoolClient"].ref)

    assert pool["UsernameAttributes"] == ["email"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert "custom:role" in {attribute["Name"] for attribute in pool["SchemaAttributes"]}
    assert client["UserPoolClient"]["ExplicitAuthFlows"] == ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def test_generated_secret_follows_generate_secret_string(stack: tuple[Resolver, dict[str, Provisioned]]) -> None:
    _, resources = stack

    value = _client("secretsmanager").get_secret_value(SecretId=resources["CursorSigningSecret"].ref)["SecretString"]

    assert len(value) == 64
    assert value.isalnum()


def test_buckets_get_encryption_and_cors(stack: tuple[Resolver, dict[str, Provisioned]]) -> None:
    _, resources = stack
    s3 = _client("s3")
    media = resources["MediaBucket"].ref

    rules = s3.get_bucket_encryption(Bucket=media)["ServerSideEncryptionConfiguration"]["Rules"]
    cors = s3.get_bucket_cors(Bucket=media)["CORSRules"]

    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == resources["DataKey"].attributes["Arn"]
    assert cors[0]["AllowedMethods"] == ["POST", "GET"]
    assert cors[0]["MaxAgeSeconds"] == 600


def test_without_an_allowed_origin_the_app_origin_is_the_distributions_domain(
    stack: tuple[Resolver, dict[str, Provisioned]],
) -> None:
    """The template's default (one deploy, no custom domain): CORS of the API, of the gateway's own
    answers and of the media bucket, and the functions' ALLOWED_ORIGIN, all name the distribution."""
    resolver, resources = stack
    domain = resources["WebDistribution"].attributes["DomainName"]
    assert domain.endswith(".cloudfront.net")
    origin = f"https://{domain}"

    cors = _client("s3").get_bucket_cors(Bucket=resources["MediaBucket"].ref)["CORSRules"]
    variables = resolver.resolve(resolver.template.function_properties("HealthFunction")["Environment"]["Variables"])
    api = resolver.resolve(resolver.template.resources["RestApi"]["Properties"])
    answers = {
        response["ResponseParameters"]["Headers"]["Access-Control-Allow-Origin"]
        for response in api["GatewayResponses"].values()
    }

    assert cors[0]["AllowedOrigins"] == [origin]
    assert variables["ALLOWED_ORIGIN"] == origin
    assert api["Cors"]["AllowOrigin"] == f"'{origin}'"
    assert answers == {f"'{origin}'"}


def test_a_custom_allowed_origin_replaces_the_distributions_domain() -> None:
    with mock_aws():
        resolver = Resolver(
            load_template(REPO_ROOT / "template.yaml"), parameter_overrides={"AllowedOrigin": "https://app.example.com"}
        )
        resources = provision(resolver)
        cors = _client("s3").get_bucket_cors(Bucket=resources["MediaBucket"].ref)["CORSRules"]
        variables = resolver.resolve(resolver.template.globals["Function"]["Environment"]["Variables"])

    assert cors[0]["AllowedOrigins"] == ["https://app.example.com"]
    assert variables["ALLOWED_ORIGIN"] == "https://app.example.com"


def test_functions_resolve_to_fake_arns_named_by_logical_id(stack: tuple[Resolver, dict[str, Provisioned]]) -> None:
    resolver, _ = stack

    assert resolver.resolve({"Fn::GetAtt": ["AuthFunction", "Arn"]}) == (
        "arn:aws:lambda:us-east-1:123456789012:function:AuthFunction"
    )
    assert resolver.resolve({"Fn::Sub": "/aws/lambda/${HealthFunction}"}) == "/aws/lambda/HealthFunction"


def test_state_machine_definition_gets_its_substitutions(tmp_path: Path) -> None:
    (tmp_path / "machine.asl.json").write_text(
        '{"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "${WorkArn}", "End": true}}}'
    )
    template = Template(
        parse_yaml(
            """
Resources:
  WorkFunction: {Type: AWS::Serverless::Function, Properties: {Handler: app.h, CodeUri: x/}}
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: machine.asl.json
      DefinitionSubstitutions:
        WorkArn: !GetAtt WorkFunction.Arn
  Group:
    Type: AWS::Scheduler::ScheduleGroup
    Properties: {Name: !Sub "${AWS::StackName}-reminders"}
  Queue:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 60}
"""
        ),
        path=tmp_path / "template.yaml",
    )
    with mock_aws():
        resources = provision(Resolver(template, stack_name="s"))
        definition = _client("stepfunctions").describe_state_machine(stateMachineArn=resources["Machine"].ref)[
            "definition"
        ]
        groups = {group["Name"] for group in _client("scheduler").list_schedule_groups()["ScheduleGroups"]}
        queue = _client("sqs").get_queue_attributes(QueueUrl=resources["Queue"].ref, AttributeNames=["All"])

    assert '"Resource": "arn:aws:lambda:us-east-1:123456789012:function:WorkFunction"' in definition
    assert "s-reminders" in groups
    assert queue["Attributes"]["VisibilityTimeout"] == "60"
    assert resources["Queue"].attributes["Arn"].endswith(":s-queue")


def test_circular_references_are_reported() -> None:
    template = Template(
        parse_yaml(
            """
Resources:
  A: {Type: AWS::SQS::Queue, Properties: {QueueName: !GetAtt B.QueueName}}
  B: {Type: AWS::SQS::Queue, Properties: {QueueName: !GetAtt A.QueueName}}
"""
        )
    )
    with mock_aws(), pytest.raises(TemplateError, match="circular"):
        provision(Resolver(template))
