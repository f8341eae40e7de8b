"""Create the template's resources in moto, from the template's own properties.

Each supported resource type has one function in `PROVISIONERS` that turns its (resolved)
CloudFormation properties into the API calls CloudFormation would make, and returns the values
`Ref` and `Fn::GetAtt` give for it. A new capability that adds a resource type adds one entry
there. Types the local stack runs itself (functions, the API, layers) or that have no local
meaning (IAM roles, log groups, alarms, permissions) get placeholder values from `PLACEHOLDERS`
or the generic fallback, so references to them still resolve.

Resources are created in dependency order: one whose `Ref`/`GetAtt`/`Sub` targets do not exist
yet waits for them. Physical names are deterministic (`<stack name>-<logical id lowercased>`)
unless the template names the resource itself.

Not emulated: updates and deletes (state lives in memory and starts fresh each run), custom
resources, S3 lifecycle rules and notification configurations, bucket policies (moto would enforce
their `aws:SecureTransport` denies against the plain-HTTP local endpoint), KMS key policies beyond
storing them, DynamoDB point-in-time recovery and deletion protection.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import boto3

from local.template import (
    ACCOUNT_ID,
    FUNCTION_TYPE,
    PARTITION,
    REGION,
    Resolver,
    Template,
    TemplateError,
    Unresolved,
    referenced_resources,
)

log = logging.getLogger("local.provision")


@dataclass(frozen=True)
class Provisioned:
    """What CloudFormation would report for one resource: its Ref and its GetAtt values."""

    type: str
    ref: Any
    attributes: Mapping[str, Any] = field(default_factory=dict)
    created: bool = True


@dataclass
class ProvisionContext:
    """What a provisioner function needs: names, clients, and the template's directory."""

    resolver: Resolver
    endpoint_url: str | None = None
    region: str = REGION

    @property
    def stack_name(self) -> str:
        return self.resolver.stack_name

    @property
    def base_dir(self) -> Path:
        return self.resolver.template.base_dir

    def physical_name(self, logical_id: str, *, max_length: int = 63) -> str:
        return f"{self.stack_name}-{logical_id.lower()}"[:max_length]

    def client(self, service: str) -> Any:
        return _client(service, self.endpoint_url, self.region)

    def arn(self, service: str, resource: str, *, region: str | None = None, account: str = ACCOUNT_ID) -> str:
        return f"arn:{PARTITION}:{service}:{self.region if region is None else region}:{account}:{resource}"


@cache
def _client(service: str, endpoint_url: str | None, region: str) -> Any:
    session: Any = boto3.session.Session()  # Any: boto3-stubs only type literal service names
    return session.client(service, endpoint_url=endpoint_url, region_name=region)


Provisioner = Callable[[ProvisionContext, str, dict[str, Any]], Provisioned]

PROVISIONERS: dict[str, Provisioner] = {}
PLACEHOLDERS: dict[str, Provisioner] = {}


def provisioner(resource_type: str) -> Callable[[Provisioner], Provisioner]:
    def register(function: Provisioner) -> Provisioner:
        PROVISIONERS[resource_type] = function
        return function

    return register


def placeholder(resource_type: str) -> Callable[[Provisioner], Provisioner]:
    def register(function: Provisioner) -> Provisioner:
        PLACEHOLDERS[resource_type] = function
        return function

    return register


# ---------------------------------------------------------------- the run


def provision(resolver: Resolver, *, endpoint_url: str | None = None) -> dict[str, Provisioned]:
    """Create every enabled resource the local stack knows, in dependency order."""
    template = resolver.template
    context = ProvisionContext(resolver=resolver, endpoint_url=endpoint_url, region=resolver.region)
    resources = {
        logical_id: resource
        for logical_id, resource in template.resources.items()
        if resolver.resource_enabled(resource)
    }
    done: dict[str, Provisioned] = {}
    # References-only resources first: they need no properties, and others may point at them.
    for logical_id, resource in resources.items():
        if resource.get("Type") not in PROVISIONERS:
            done[logical_id] = _placeholder(context, logical_id, resource, template)
            resolver.record(logical_id, done[logical_id].ref, done[logical_id].attributes)
    pending = {key: value for key, value in resources.items() if key not in done}
    dependencies = {key: _dependencies(template, key, value, set(resources)) for key, value in pending.items()}
    while pending:
        ready = [key for key in pending if dependencies[key] <= set(done)]
        if not ready:
            raise TemplateError(f"circular references between {sorted(pending)}")
        for logical_id in ready:
            resource = pending.pop(logical_id)
            done[logical_id] = _create(context, logical_id, resource)
            resolver.record(logical_id, done[logical_id].ref, done[logical_id].attributes)
    return done


def _dependencies(template: Template, logical_id: str, resource: Mapping[str, Any], known: set[str]) -> set[str]:
    properties = (
        template.function_properties(logical_id)
        if resource.get("Type") == FUNCTION_TYPE
        else resource.get("Properties") or {}
    )
    found = referenced_resources(properties, known)
    depends_on = resource.get("DependsOn") or []
    found.update([depends_on] if isinstance(depends_on, str) else depends_on)
    found.discard(logical_id)
    return found & known


def _create(context: ProvisionContext, logical_id: str, resource: Mapping[str, Any]) -> Provisioned:
    resource_type = str(resource["Type"])
    try:
        properties = context.resolver.resolve(resource.get("Properties") or {})
    except Unresolved as missing:  # pragma: no cover - dependencies are computed up front
        raise TemplateError(f"{logical_id} references {missing.logical_id}, which was not created") from None
    result = PROVISIONERS[resource_type](context, logical_id, properties)
    log.debug("created %s %s -> %s", resource_type, logical_id, result.ref)
    return result


def _placeholder(
    context: ProvisionContext, logical_id: str, resource: Mapping[str, Any], template: Template
) -> Provisioned:
    resource_type = str(resource.get("Type"))
    properties = template.function_properties(logical_id) if resource_type == FUNCTION_TYPE else {}
    maker = PLACEHOLDERS.get(resource_type, _generic_placeholder)
    return maker(context, logical_id, properties)


def _generic_placeholder(context: ProvisionContext, logical_id: str, _: dict[str, Any]) -> Provisioned:
    name = context.physical_name(logical_id)
    return Provisioned(
        type="unknown",
        ref=name,
        attributes=_AnyAttribute(context.arn("local", name)),
        created=False,
    )


class _AnyAttribute(dict[str, Any]):
    """GetAtt of a resource the local stack does not model: any attribute gives a stand-in ARN."""

    def __init__(self, arn: str) -> None:
        super().__init__(Arn=arn)
        self._arn = arn

    def __missing__(self, key: str) -> str:
        return f"{self._arn}/{key}"

    def __contains__(self, key: object) -> bool:
        return True


# ---------------------------------------------------------------- placeholders


@placeholder("AWS::Serverless::Function")
@placeholder("AWS::Lambda::Function")
def _function(context: ProvisionContext, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    # Functions run in-process (see local.lambdas); their names are their logical ids.
    name = properties.get("FunctionName")
    name = name if isinstance(name, str) else logical_id
    arn = context.arn("lambda", f"function:{name}")
    return Provisioned(type="function", ref=name, attributes={"Arn": arn}, created=False)


@placeholder("AWS::Serverless::Api")
@placeholder("AWS::ApiGateway::RestApi")
def _rest_api(context: ProvisionContext, logical_id: str, _: dict[str, Any]) -> Provisioned:
    api_id = local_api_id(logical_id)
    return Provisioned(type="api", ref=api_id, attributes={"RootResourceId": "root"}, created=False)


@placeholder("AWS::Serverless::LayerVersion")
@placeholder("AWS::Lambda::LayerVersion")
def _layer(context: ProvisionContext, logical_id: str, _: dict[str, Any]) -> Provisioned:
    return Provisioned(type="layer", ref=context.arn("lambda", f"layer:{logical_id}:1"), created=False)


@placeholder("AWS::IAM::Role")
def _role(context: ProvisionContext, logical_id: str, _: dict[str, Any]) -> Provisioned:
    name = context.physical_name(logical_id)
    arn = context.arn("iam", f"role/{name}", region="")
    return Provisioned(type="role", ref=name, attributes={"Arn": arn, "RoleId": name}, created=False)


@placeholder("AWS::CloudFront::Distribution")
def _distribution(context: ProvisionContext, logical_id: str, _: dict[str, Any]) -> Provisioned:
    # No CloudFront locally (local/web.py serves the app), but the template derives the app's origin
    # from the distribution's domain when AllowedOrigin is empty: give it a CloudFront-shaped one.
    distribution_id = local_api_id(logical_id).upper()
    domain = f"d{local_api_id(logical_id)}.cloudfront.net"
    return Provisioned(
        type="distribution",
        ref=distribution_id,
        attributes={"DomainName": domain, "Id": distribution_id},
        created=False,
    )


def local_api_id(logical_id: str) -> str:
    """A stable, API-Gateway-shaped id (10 lowercase characters) for a local API."""
    import hashlib

    digest = hashlib.sha256(logical_id.encode()).hexdigest()
    return "".join(chr(ord("a") + int(char, 16) % 26) for char in digest[:10])


# ---------------------------------------------------------------- DynamoDB

_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "LocalSecondaryIndexes",
    "BillingMode",
    "ProvisionedThroughput",
    "StreamSpecification",
    "TableClass",
    "DeletionProtectionEnabled",
    "Tags",
)


@provisioner("AWS::DynamoDB::Table")
def _table(context: ProvisionContext, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    name = str(properties.get("TableName") or context.physical_name(logical_id, max_length=255))
    request: dict[str, Any] = {key: properties[key] for key in _TABLE_KEYS if key in properties}
    request["TableName"] = name
    request.setdefault("BillingMode", "PROVISIONED" if "ProvisionedThroughput" in properties else "PAY_PER_REQUEST")
    if properties.get("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = [
            {key: value for key, value in index.items() if key != "ContributorInsightsSpecification"}
            for index in properties["GlobalSecondaryIndexes"]
        ]
    if "StreamSpecification" in request:
        request["StreamSpecification"] = {"StreamEnabled": True, **request["StreamSpecification"]}
    sse = properties.get("SSESpecification")
    if sse:
        request["SSESpecification"] = _table_sse(sse)
    dynamodb = context.client("dynamodb")
    description = dynamodb.create_table(**request)["TableDescription"]
    ttl = properties.get("TimeToLiveSpecification")
    if ttl and _truthy(ttl.get("Enabled")):
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
        )
    attributes = {"Arn": description["TableArn"]}
    if description.get("LatestStreamArn"):
        attributes["StreamArn"] = description["LatestStreamArn"]
    return Provisioned(type="table", ref=name, attributes=attributes)


def _table_sse(sse: Mapping[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {"Enabled": _truthy(sse.get("SSEEnabled"))}
    if sse.get("SSEType"):
        request["SSEType"] = sse["SSEType"]
    if sse.get("KMSMasterKeyId"):
        request["KMSMasterKeyId"] = sse["KMSMasterKeyId"]
    return request


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


# ---------------------------------------------------------------- S3


@provisioner("AWS::S3::Bucket")
def _bucket(context: ProvisionContext, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    name = str(properties.get("BucketName") or context.physical_name(logical_id))
    s3 = context.client("s3")
    if context.region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:  # pragma: no cover - the local stack runs in us-east-1
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": context.region})
    _configure_bucket(s3, name, properties)
    arn = f"arn:{PARTITION}:s3:::{name}"
    return Provisioned(
        type="bucket",
        ref=name,
        attributes={
            "Arn": arn,
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{context.region}.amazonaws.com",
            "WebsiteURL": f"http://{name}.s3-website-{context.region}.amazonaws.com",
        },
    )


def _configure_bucket(s3: Any, name: str, properties: Mapping[str, Any]) -> None:
    encryption = properties.get("BucketEncryption")
    if encryption:
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [_encryption_rule(rule) for rule in encryption["ServerSideEncryptionConfiguration"]]
            },
        )
    cors = properties.get("CorsConfiguration")
    if cors:
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [_cors_rule(r) for r in cors["CorsRules"]]})
    versioning = properties.get("VersioningConfiguration")
    if versioning:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning["Status"]})
    public_access = properties.get("PublicAccessBlockConfiguration")
    if public_access:
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={key: _truthy(value) for key, value in public_access.items()},
        )


def _encryption_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    renamed = {"ServerSideEncryptionByDefault": "ApplyServerSideEncryptionByDefault"}
    return {renamed.get(key, key): value for key, value in rule.items()}


def _cors_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    renamed = {"MaxAge": "MaxAgeSeconds", "ExposedHeaders": "ExposeHeaders", "Id": "ID"}
    return {renamed.get(key, key): value for key, value in rule.items()}


@placeholder("AWS::S3::BucketPolicy")
def _bucket_policy(context: ProvisionContext, logical_id: str, _: dict[str, Any]) -> Provisioned:
    # Deliberately not applied: moto evaluates explicit Deny statements, and the local endpoint is plain
    # HTTP, so a DenyInsecureTransport statement (aws:SecureTransport false) would refuse every request.
    return Provisioned(type="bucket-policy", ref=context.physical_name(logical_id), created=False)


# ---------------------------------------------------------------- Cognito

_USER_POOL_KEYS = (
    "Policies",
    "LambdaConfig",
    "AutoVerifiedAttributes",
    "AliasAttributes",
    "UsernameAttributes",
    "SmsVerificationMessage",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
    "VerificationMessageTemplate",
    "SmsAuthenticationMessage",
    "MfaConfiguration",
    "UserAttributeUpdateSettings",
    "DeviceConfiguration",
    "EmailConfiguration",
    "SmsConfiguration",
    "UserPoolTags",
    "AdminCreateUserConfig",
    "Schema",
    "UserPoolAddOns",
    "UsernameConfiguration",
    "AccountRecoverySetting",
    "DeletionProtection",
    "UserPoolTier",
)


@provisioner("AWS::Cognito::UserPool")
def _user_pool(context: ProvisionContext, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    request = {key: properties[key] for key in _USER_POOL_KEYS if key in properties}
    request["PoolName"] = str(properties.get("UserPoolName") or context.physical_name(logical_id, max_length=128))
    pool = context.client("cognito-idp").create_user_pool(**request)["UserPool"]
    pool_id = pool["Id"]
    provider = f"cognito-idp.{context.region}.amazonaws.com/{pool_id}"
    return Provisioned(
        type="user-pool",
        ref=pool_id,
        attributes={
            "Arn": pool["Arn"],
            "ProviderName": provider,
            "ProviderURL": f"https://{provider}",
            "UserPoolId": pool_id,
        },
    )


_USER_POOL_CLIENT_KEYS = (
    "ClientName",
    "GenerateSecret",
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ReadAttributes",
    "WriteAttributes",
    "ExplicitAuthFlows",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "DefaultRedirectURI",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "AnalyticsConfiguration",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData",
    "AuthSessionValidity",
)


@provisioner("AWS::Cognito::UserPoolClient")
def _user_pool_client(context: ProvisionContext, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    request = {key: properties[key] for key in _USER_POOL_CLIENT_KEYS if key in properties}
    request.setdefault("ClientName", context.physical_name(logical_id, max_length=128))
    client = context.client("cognito-idp").create_user_pool_client(UserPoolId=properties["UserPoolId"], **request)
    details = client["UserPoolClient"]
    attributes = {"ClientId": details["ClientId"], "Name": details["ClientName"]}
    if details.get("ClientSecret"):
        attributes["ClientSecret"] = details["ClientSecret"]
    return Provisioned(type="user-pool-client", ref=details["ClientId"], attributes=attributes)


# ---------------------------------------------------------------- KMS and Secrets Manager


@provisioner("AWS::KMS::Key")
def _kms_key(context: ProvisionContext, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    request: dict[str, Any] = {
        key: properties[key] for key in ("Description", "KeyUsage", "KeySpec", "MultiRegion") if key in properties
    }
    if properties.get("KeyPolicy"):
        policy = properties["KeyPolicy"]
        request["Policy"] = policy if isinstance(policy, str) else json.dumps(policy)
    kms = context.client("kms")
    key = kms.create_key(**request)["KeyMetadata"]
    if _truthy(properties.get("EnableKeyRotation")):
        kms.enable_key_rotation(KeyId=key["KeyId"])
    if properties.get("Enabled") is False:
        kms.disable_key(KeyId=key["KeyId"])
    return Provisioned(type="kms-key", ref=key["KeyId"], attributes={"Arn": key["Arn"], "KeyId": key["KeyId"]})


@provisioner("AWS::KMS::Alias")
def _kms_alias(context: ProvisionContext, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    context.client("kms").create_alias(AliasName=properties["AliasName"], TargetKeyId=properties["TargetKeyId"])
    return Provisioned(type="kms-alias", ref=properties["AliasName"])


_RANDOM_PASSWORD_KEYS = (
    "PasswordLength",
    "ExcludeCharacters",
    "ExcludeNumbers",
    "ExcludePunctuation",
    "ExcludeUppercase",
    "ExcludeLowercase",
    "IncludeSpace",
    "RequireEachIncludedType",
)


@provisioner("AWS::SecretsManager::Secret")
def _secret(context: ProvisionContext, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    secrets = context.client("secretsmanager")
    request: dict[str, Any] = {"Name": str(properties.get("Name") or context.physical_name(logical_id, max_length=512))}
    for key in ("Description", "KmsKeyId", "Tags"):
        if key in properties:
            request[key] = properties[key]
    if "SecretString" in properties:
        request["SecretString"] = properties["SecretString"]
    elif "GenerateSecretString" in properties:
        request["SecretString"] = _generated_secret(secrets, properties["GenerateSecretString"])
    arn = secrets.create_secret(**request)["ARN"]
    return Provisioned(type="secret", ref=arn, attributes={"Id": arn})


def _generated_secret(secrets: Any, spec: Mapping[str, Any]) -> str:
    """GenerateSecretString as CloudFormation applies it: a password, optionally inside a JSON template."""
    options = {key: spec[key] for key in _RANDOM_PASSWORD_KEYS if key in spec}
    options["PasswordLength"] = int(options.get("PasswordLength", 32))
    password = str(secrets.get_random_password(**options)["RandomPassword"])
    template = spec.get("SecretStringTemplate")
    if template and spec.get("GenerateStringKey"):
        document = json.loads(template)
        document[spec["GenerateStringKey"]] = password
        return json.dumps(document)
    return password


# ---------------------------------------------------------------- SQS, SNS, Scheduler, EventBridge


_QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "RedriveAllowPolicy",
    "RedrivePolicy",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
)


@provisioner("AWS::SQS::Queue")
def _queue(context: ProvisionContext, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    fifo = _truthy(properties.get("FifoQueue"))
    default_name = context.physical_name(logical_id, max_length=75) + (".fifo" if fifo else "")
    name = str(properties.get("QueueName") or default_name)
    attributes = {key: _attribute_text(value) for key, value in properties.items() if key in _QUEUE_ATTRIBUTES}
    sqs = context.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return Provisioned(type="queue", ref=url, attributes={"Arn": arn, "QueueName": name, "QueueUrl": url})


def _attribute_text(value: Any) -> str:
    """SQS and SNS take every attribute as a string; policies as JSON, booleans lowercase."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


@provisioner("AWS::SNS::Topic")
def _topic(context: ProvisionContext, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    name = str(properties.get("TopicName") or context.physical_name(logical_id, max_length=256))
    attributes = {"DisplayName": properties["DisplayName"]} if properties.get("DisplayName") else {}
    if _truthy(properties.get("FifoTopic")):
        attributes["FifoTopic"] = "true"
    arn = context.client("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"]
    return Provisioned(type="topic", ref=arn, attributes={"TopicArn": arn, "TopicName": name})


@provisioner("AWS::Scheduler::ScheduleGroup")
def _schedule_group(context: ProvisionContext, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    name = str(properties.get("Name") or context.physical_name(logical_id))
    arn = context.client("scheduler").create_schedule_group(Name=name)["ScheduleGroupArn"]
    return Provisioned(type="schedule-group", ref=name, attributes={"Arn": arn})


@provisioner("AWS::Events::Rule")
def _event_rule(context: ProvisionContext, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    name = str(properties.get("Name") or context.physical_name(logical_id))
    request: dict[str, Any] = {"Name": name, "State": properties.get("State", "ENABLED")}
    for key in ("Description", "ScheduleExpression", "EventBusName", "RoleArn"):
        if key in properties:
            request[key] = properties[key]
    if "EventPattern" in properties:
        pattern = properties["EventPattern"]
        request["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    events = context.client("events")
    arn = events.put_rule(**request)["RuleArn"]
    targets = [_event_target(target) for target in properties.get("Targets") or [] if _deliverable(target)]
    if targets:
        bus = {"EventBusName": properties["EventBusName"]} if "EventBusName" in properties else {}
        events.put_targets(Rule=name, Targets=targets, **bus)
    return Provisioned(type="event-rule", ref=name, attributes={"Arn": arn})


def _deliverable(target: Mapping[str, Any]) -> bool:
    """moto raises on `put_events` for a rule with a Lambda or Step Functions target; leave those out."""
    service = str(target.get("Arn", "")).split(":")[2:3]
    if service in (["lambda"], ["states"]):
        log.warning(
            "rule target %s is not delivered locally; declare the trigger as the function's EventBridgeRule event",
            target.get("Arn"),
        )
        return False
    return True


def _event_target(target: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in target.items() if key in ("Id", "Arn", "RoleArn", "Input", "InputPath")}


# ---------------------------------------------------------------- Step Functions


@provisioner("AWS::Serverless::StateMachine")
@provisioner("AWS::StepFunctions::StateMachine")
def _state_machine(context: ProvisionContext, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    name = str(
        properties.get("Name") or properties.get("StateMachineName") or context.physical_name(logical_id, max_length=80)
    )
    definition = _definition_text(context, properties)
    substitutions = properties.get("DefinitionSubstitutions") or {}
    for key, value in substitutions.items():
        definition = definition.replace("${" + key + "}", str(value))
    role = properties.get("Role") or properties.get("RoleArn") or context.arn("iam", f"role/{name}-role", region="")
    kind = str(properties.get("Type") or properties.get("StateMachineType") or "STANDARD")
    machine = context.client("stepfunctions").create_state_machine(
        name=name, definition=definition, roleArn=role, type=kind
    )
    arn = machine["stateMachineArn"]
    return Provisioned(type="state-machine", ref=arn, attributes={"Arn": arn, "Name": name})


def _definition_text(context: ProvisionContext, properties: Mapping[str, Any]) -> str:
    if "DefinitionUri" in properties:
        uri = properties["DefinitionUri"]
        if not isinstance(uri, str):
            raise TemplateError("DefinitionUri must be a local file path for the local stack")
        return (context.base_dir / uri).read_text(encoding="utf-8")
    for key in ("Definition", "DefinitionString"):
        if key in properties:
            value = properties[key]
            return value if isinstance(value, str) else json.dumps(value)
    raise TemplateError("a state machine needs DefinitionUri, Definition or DefinitionString")
