"""The template loader (CloudFormation short tags) and the intrinsic resolver."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from local.template import (
    Resolver,
    Template,
    TemplateError,
    Unresolved,
    load_template,
    merge_globals,
    parse_yaml,
    referenced_resources,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

TAGS = """
Version: 2010-09-09
Values:
  ref: !Ref Bucket
  getatt_string: !GetAtt Table.Arn
  getatt_list: !GetAtt [Table, StreamArn]
  sub_string: !Sub "${AWS::StackName}-${Stage}"
  sub_list: !Sub ["${Name}-x", {Name: !Ref Stage}]
  join: !Join ["-", [a, !Ref Stage]]
  if: !If [IsProd, big, small]
  equals: !Equals [!Ref Stage, prod]
  select: !Select [1, [a, b, c]]
  split: !Split [",", "a,b"]
  map: !FindInMap [Sizes, dev, memory]
  not: !Not [!Condition IsProd]
  and: !And [!Condition IsProd, !Equals [a, a]]
  or: !Or [!Condition IsProd, !Equals [a, a]]
  azs: !GetAZs ""
  import: !ImportValue SharedVpc
  b64: !Base64 hello
"""


def test_short_tags_become_long_form() -> None:
    values = parse_yaml(TAGS)["Values"]

    assert values["ref"] == {"Ref": "Bucket"}
    assert values["getatt_string"] == {"Fn::GetAtt": ["Table", "Arn"]}
    assert values["getatt_list"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert values["sub_string"] == {"Fn::Sub": "${AWS::StackName}-${Stage}"}
    assert values["sub_list"] == {"Fn::Sub": ["${Name}-x", {"Name": {"Ref": "Stage"}}]}
    assert values["join"] == {"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}
    assert values["if"] == {"Fn::If": ["IsProd", "big", "small"]}
    assert values["not"] == {"Fn::Not": [{"Condition": "IsProd"}]}
    assert values["azs"] == {"Fn::GetAZs": ""}
    assert values["import"] == {"Fn::ImportValue": "SharedVpc"}
    assert values["b64"] == {"Fn::Base64": "hello"}


def test_unquoted_dates_stay_strings() -> None:
    assert parse_yaml(TAGS)["Version"] == "2010-09-09"


def _resolver(**overrides: object) -> Resolver:
    body = parse_yaml(
        TAGS
        + """
Parameters:
  Stage: {Type: String, Default: dev}
  Retention: {Type: Number, Default: 30}
  Zones: {Type: CommaDelimitedList, Default: "a,b"}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Mappings:
  Sizes:
    dev: {memory: 256}
Resources:
  Bucket: {Type: AWS::S3::Bucket}
  Table: {Type: AWS::DynamoDB::Table}
"""
    )
    resolver = Resolver(
        Template(body), stack_name="stack", parameter_overrides=overrides, imports={"SharedVpc": "vpc-1"}
    )
    resolver.record("Bucket", "my-bucket", {"Arn": "arn:aws:s3:::my-bucket"})
    resolver.record("Table", "my-table", {"Arn": "arn:table", "StreamArn": "arn:stream"})
    return resolver


def test_resolver_evaluates_every_function() -> None:
    resolver = _resolver()
    values = resolver.resolve(resolver.template.body["Values"])

    assert values == {
        "ref": "my-bucket",
        "getatt_string": "arn:table",
        "getatt_list": "arn:stream",
        "sub_string": "stack-dev",
        "sub_list": "dev-x",
        "join": "a-dev",
        "if": "small",
        "equals": False,
        "select": "b",
        "split": ["a", "b"],
        "map": 256,
        "not": True,
        "and": False,
        "or": True,
        "azs": ["us-east-1a", "us-east-1b", "us-east-1c"],
        "import": "vpc-1",
        "b64": base64.b64encode(b"hello").decode(),
    }


def test_parameters_take_overrides_and_keep_their_type() -> None:
    resolver = _resolver(Stage="prod")

    assert resolver.resolve({"Ref": "Stage"}) == "prod"
    assert resolver.resolve({"Fn::If": ["IsProd", "big", "small"]}) == "big"
    assert resolver.resolve({"Ref": "Retention"}) == 30
    assert resolver.resolve({"Ref": "Zones"}) == ["a", "b"]


def test_pseudo_parameters() -> None:
    resolver = _resolver()

    assert resolver.resolve({"Fn::Sub": "${AWS::Region}:${AWS::AccountId}:${AWS::Partition}"}) == (
        "us-east-1:123456789012:aws"
    )
    assert resolver.resolve({"Ref": "AWS::URLSuffix"}) == "amazonaws.com"
    assert resolver.resolve({"Ref": "AWS::StackName"}) == "stack"


def test_sub_supports_attributes_and_escapes() -> None:
    resolver = _resolver()

    assert resolver.resolve({"Fn::Sub": "${Bucket.Arn}/*"}) == "arn:aws:s3:::my-bucket/*"
    assert resolver.resolve({"Fn::Sub": "${!Literal}-${Bucket}"}) == "${Literal}-my-bucket"


def test_no_value_removes_the_property() -> None:
    resolver = _resolver()

    resolved = resolver.resolve({"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Ref": "AWS::NoValue"}], "C": 3})

    assert resolved == {"B": [1], "C": 3}


def test_reference_to_a_resource_not_created_yet_is_unresolved() -> None:
    body = parse_yaml("Resources:\n  Later: {Type: AWS::SQS::Queue}\nValue: !GetAtt Later.Arn\n")
    resolver = Resolver(Template(body))

    with pytest.raises(Unresolved) as raised:
        resolver.resolve(body["Value"])
    assert raised.value.logical_id == "Later"
    with pytest.raises(Unresolved):
        resolver.resolve({"Fn::Sub": "${Later}"})


def test_unknown_names_are_template_errors() -> None:
    resolver = _resolver()

    with pytest.raises(TemplateError):
        resolver.resolve({"Ref": "Nope"})
    with pytest.raises(TemplateError):
        resolver.resolve({"Fn::Cidr": ["10.0.0.0/16", 2, 8]})


def test_referenced_resources_finds_ref_getatt_and_sub() -> None:
    value = parse_yaml(
        """
A: !Ref Bucket
B: !GetAtt Table.Arn
C: !Sub "${Queue.Arn}/${AWS::Region}/${Local}"
D: !Sub ["${Local}", {Local: !Ref Topic}]
E: !Ref Stage
"""
    )
    ids = frozenset({"Bucket", "Table", "Queue", "Topic", "Local"})

    assert referenced_resources(value, ids) == {"Bucket", "Table", "Queue", "Topic", "Local"}
    assert referenced_resources(value["D"], ids) == {"Topic"}


def test_globals_merge_like_sam() -> None:
    merged = merge_globals(
        {"Timeout": 10, "Layers": ["L1"], "Environment": {"Variables": {"A": "1", "B": "1"}}},
        {"Timeout": 5, "Layers": ["L2"], "Environment": {"Variables": {"B": "2", "C": "3"}}},
    )

    assert merged == {
        "Timeout": 5,
        "Layers": ["L1", "L2"],
        "Environment": {"Variables": {"A": "1", "B": "2", "C": "3"}},
    }


def test_the_real_template_loads_with_globals_merged() -> None:
    template = load_template(REPO_ROOT / "template.yaml")
    authorizer = template.function_properties("AuthorizerFunction")

    variables = authorizer["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == "authorizer"
    assert variables["MAIN_TABLE"] == {"Ref": "MainTable"}
    assert authorizer["Timeout"] == 5
    assert template.body["AWSTemplateFormatVersion"] == "2010-09-09"
