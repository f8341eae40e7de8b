"""Data and teardown: what survives `sam delete`, per stage, and who may read what."""

from __future__ import annotations

import re
import tomllib

import pytest

from local.template import referenced_resources
from tools.functions import ROOT
from tools.template import resources, template

RETAIN_PER_STAGE = {"Fn::If": ["ProtectsData", "Retain", "Delete"]}
DATA = ["MainTable", "AuditTable", "RecordingsBucket", "MediaBucket", "AccessLogsBucket", "UserPool"]


def _resource(logical_id):
    return template()["Resources"][logical_id]


def _environments():
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    found = {}
    for env in ("dev", "staging", "prod"):
        overrides = config[env]["deploy"]["parameters"]["parameter_overrides"]
        found[env] = dict(re.findall(r'(\w+)="([^"]*)"', overrides))
    return found


@pytest.mark.parametrize("logical_id", [*DATA, "DataKey"])
def test_data_and_its_key_are_kept_or_deleted_together_per_stage(logical_id):
    resource = _resource(logical_id)
    assert resource["DeletionPolicy"] == RETAIN_PER_STAGE
    assert resource["UpdateReplacePolicy"] == RETAIN_PER_STAGE


def test_deletion_protection_follows_the_stage():
    assert _resource("UserPool")["Properties"]["DeletionProtection"] == {
        "Fn::If": ["ProtectsData", "ACTIVE", "INACTIVE"]
    }
    for table in ("MainTable", "AuditTable"):
        assert _resource(table)["Properties"]["DeletionProtectionEnabled"] == {"Fn::If": ["ProtectsData", True, False]}
    assert template()["Parameters"]["ProtectData"]["Default"] == "true"  # safe unless a stage says otherwise


def test_only_dev_can_be_torn_down_and_every_environment_has_its_own_sender():
    environments = _environments()
    assert {env: values["ProtectData"] for env, values in environments.items()} == {
        "dev": "false",
        "staging": "true",
        "prod": "true",
    }
    placeholder = template()["Parameters"]["SenderEmail"]["Default"]
    senders = [values["SenderEmail"] for values in environments.values()]
    assert placeholder not in senders
    assert len(set(senders)) == len(senders)
    rule = template()["Rules"]["SenderEmailIsReal"]["Assertions"][0]["Assert"]
    assert rule == {"Fn::Not": [{"Fn::Equals": [{"Ref": "SenderEmail"}, placeholder]}]}


def test_the_media_bucket_name_is_unique_per_stack_and_used_consistently():
    name = _resource("MediaBucket")["Properties"]["BucketName"]
    assert "AWS::StackId" in str(name)  # a recreated stage does not collide with a retained bucket
    images = _resource("ImagesFunction")["Properties"]
    assert images["Environment"]["Variables"]["MEDIA_BUCKET"] == name
    arns = [s["Resource"] for s in images["Policies"][0]["Statement"] if "s3:::" in str(s["Resource"])]
    assert len(arns) == 2
    for arn in arns:
        assert arn["Fn::Sub"][1] == name["Fn::Sub"][1]
        assert arn["Fn::Sub"][0].startswith("arn:${AWS::Partition}:s3:::" + name["Fn::Sub"][0] + "/")


APP_ORIGIN = {
    "Fn::If": [
        "ServesAppFromDistribution",
        {"Fn::Sub": "https://${WebDistribution.DomainName}"},
        {"Ref": "AllowedOrigin"},
    ]
}


def test_media_uploads_are_allowed_from_the_web_app_only():
    rules = _resource("MediaBucket")["Properties"]["CorsConfiguration"]["CorsRules"]
    assert [rule["AllowedOrigins"] for rule in rules] == [[APP_ORIGIN]]


def test_every_allowed_origin_is_the_app_on_its_distribution_unless_a_custom_domain_is_given():
    """One deploy serves the app: with AllowedOrigin empty (its default, and every environment's), the
    API, its gateway answers, the media bucket and the functions name the distribution's domain."""
    assert template()["Parameters"]["AllowedOrigin"]["Default"] == ""
    assert template()["Conditions"]["ServesAppFromDistribution"] == {"Fn::Equals": [{"Ref": "AllowedOrigin"}, ""]}
    assert {values["AllowedOrigin"] for values in _environments().values()} == {""}
    assert template()["Globals"]["Function"]["Environment"]["Variables"]["ALLOWED_ORIGIN"] == APP_ORIGIN
    api = _resource("RestApi")["Properties"]
    quoted = {"Fn::Sub": ["'${Origin}'", {"Origin": APP_ORIGIN}]}
    assert api["Cors"]["AllowOrigin"] == quoted
    for name, response in api["GatewayResponses"].items():
        assert response["ResponseParameters"]["Headers"]["Access-Control-Allow-Origin"] == quoted, name
    # Nothing else names the parameter directly (a new use would bypass the distribution's domain).
    uses = str(template()["Resources"]).count("'Ref': 'AllowedOrigin'") + str(template()["Globals"]).count(
        "'Ref': 'AllowedOrigin'"
    )
    assert uses == 1 + len(api["GatewayResponses"]) + 1 + 1  # Cors, gateway answers, media bucket, globals


def test_the_distribution_never_waits_for_the_api_or_the_functions():
    """The functions and the API name the distribution's domain, so nothing the distribution needs may
    name them back: a cycle would fail the deploy."""
    everything = template()["Resources"]
    ids = frozenset(everything)
    reached: set[str] = set()
    todo = ["WebDistribution"]
    while todo:
        found = referenced_resources(everything[todo.pop()], ids) - reached
        reached |= found
        todo.extend(found)
    users_of_the_origin = {"RestApi", "MediaBucket", "WebConfig", *resources("AWS::Serverless::Function")}
    assert reached and not reached & users_of_the_origin


def test_recordings_and_media_access_is_logged():
    for bucket, prefix in (("RecordingsBucket", "recordings/"), ("MediaBucket", "media/")):
        logging = _resource(bucket)["Properties"]["LoggingConfiguration"]
        assert logging == {"DestinationBucketName": {"Ref": "AccessLogsBucket"}, "LogFilePrefix": prefix}


def _recordings_reads(function):
    for policy in function["Properties"].get("Policies") or []:
        for statement in policy.get("Statement") or []:
            if set(statement["Action"]) & {"s3:GetObject", "s3:GetObjectVersion"} and "RecordingsBucket" in str(
                statement["Resource"]
            ):
                yield statement["Resource"]["Fn::Sub"]


def test_processing_functions_read_recordings_only_under_their_prefixes():
    processing = {k: f for k, f in resources("AWS::Serverless::Function").items() if k.startswith("Processing")}
    reads = {resource for function in processing.values() for resource in _recordings_reads(function)}
    assert "${RecordingsBucket.Arn}/*" not in reads
    assert "${RecordingsBucket.Arn}/recordings/*" in reads
    assert all(re.fullmatch(r"\$\{RecordingsBucket\.Arn\}/(recordings|work|transcripts)/\*", r) for r in reads)


def test_every_openai_caller_has_a_reserved_concurrency_cap():
    callers = {
        logical_id: function
        for logical_id, function in resources("AWS::Serverless::Function").items()
        if "OPENAI_SECRET_ARN" in ((function["Properties"].get("Environment") or {}).get("Variables") or {})
    }
    assert len(callers) == 3
    for function in callers.values():
        assert function["Properties"]["ReservedConcurrentExecutions"] == {
            "Fn::If": ["CapsOpenAI", {"Ref": "OpenAIReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
        }
