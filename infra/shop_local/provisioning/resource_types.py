"""How each CloudFormation resource type becomes real in the emulator, with CloudFormation's Ref/GetAtt.

Every creator is idempotent: provisioning the same template into a running emulator reuses what is
there (and keeps secrets' values), so `make run` can be restarted against a live emulator.
A creator returns the physical id (what Ref gives) and the attributes (what GetAtt gives).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from shop_local.provisioning.stack import Stack

Created = tuple[str, dict[str, Any]]
Creator = Callable[[Stack, str, dict[str, Any]], Created]


def physical_name(stack: Stack, logical_id: str, props: dict[str, Any], key: str, suffix: str = "") -> str:
    """The Name property if given, else CloudFormation's `{stack}-{LogicalId}`."""
    given = props.get(key)
    return str(stack.resolve(given)) if given is not None else f"{stack.stack_name}-{logical_id}{suffix}"


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _flag(value: Any) -> bool:
    """A CloudFormation Boolean: true/false, or the strings "true"/"false" a parameter gives."""
    return value is True or str(value).lower() == "true"


def _table(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    props = stack.resolve(raw)
    ddb = stack.client("dynamodb")
    name = physical_name(stack, logical_id, props, "TableName")
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "ProvisionedThroughput", "TableClass"):
        if key in props:
            request[key] = props[key]
    if "DeletionProtectionEnabled" in props:
        request["DeletionProtectionEnabled"] = _flag(props["DeletionProtectionEnabled"])
    if "StreamSpecification" in props:
        request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    sse = props.get("SSESpecification")
    if sse:
        request["SSESpecification"] = {"Enabled": bool(sse.get("SSEEnabled"))} | {
            k: v for k, v in sse.items() if k in {"SSEType", "KMSMasterKeyId"}
        }
    try:
        table = ddb.create_table(**request)["TableDescription"]
    except ClientError as exc:
        if _error_code(exc) != "ResourceInUseException":
            raise
        table = ddb.describe_table(TableName=name)["Table"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") != "ENABLED":
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    pitr = props.get("PointInTimeRecoverySpecification")
    if pitr:
        try:
            ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification=pitr)
        except ClientError as exc:  # DynamoDB Local has no backups API and says exactly this
            if _error_code(exc) != "UnknownOperationException":
                raise
    attributes = {"Arn": table["TableArn"]}
    if table.get("LatestStreamArn"):
        attributes["StreamArn"] = table["LatestStreamArn"]
    return name, attributes


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


def _attribute_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def _queue(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    props = stack.resolve(raw)
    fifo = str(props.get("FifoQueue", "")).lower() == "true"
    name = physical_name(stack, logical_id, props, "QueueName", ".fifo" if fifo else "")
    attributes = {key: _attribute_text(props[key]) for key in _QUEUE_ATTRIBUTES if key in props}
    sqs = stack.client("sqs")
    try:
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    except ClientError as exc:
        if _error_code(exc) not in {"QueueAlreadyExists", "QueueNameExists"}:
            raise
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        sqs.set_queue_attributes(
            QueueUrl=url, Attributes={k: v for k, v in attributes.items() if k != "FifoQueue"}
        )
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, {"Arn": arn, "QueueName": name, "QueueUrl": url}


def _topic(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    props = stack.resolve(raw)
    fifo = str(props.get("FifoTopic", "")).lower() == "true"
    name = physical_name(stack, logical_id, props, "TopicName", ".fifo" if fifo else "")
    keys = ("DisplayName", "FifoTopic", "ContentBasedDeduplication", "KmsMasterKeyId")
    sns = stack.client("sns")
    arn = sns.create_topic(Name=name, Attributes={k: _attribute_text(props[k]) for k in keys if k in props})[
        "TopicArn"
    ]
    for inline in props.get("Subscription") or []:
        sns.subscribe(TopicArn=arn, Protocol=inline["Protocol"], Endpoint=inline["Endpoint"])
    return arn, {"TopicArn": arn, "TopicName": name}


def _subscription(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    props = stack.resolve(raw)
    keys = ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy", "DeliveryPolicy")
    attributes = {key: _attribute_text(props[key]) for key in keys if key in props}
    arn = stack.client("sns").subscribe(
        TopicArn=props["TopicArn"],
        Protocol=props["Protocol"],
        Endpoint=props["Endpoint"],
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return arn, {"Arn": arn}


def _record_only(kind: str, name_key: str | None = None) -> Creator:
    """Types the emulator does not need (functions, APIs, rules...): a CloudFormation-like id only."""

    def create(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
        name = (
            physical_name(stack, logical_id, raw, name_key)
            if name_key
            else f"{stack.stack_name}-{logical_id}"
        )
        arn = f"arn:aws:{kind}:{stack.region}:{stack.account_id}:{name}"
        return name, {"Arn": arn, "Name": name}

    return create


def _function(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    name = physical_name(stack, logical_id, raw, "FunctionName")
    return name, {"Arn": f"arn:aws:lambda:{stack.region}:{stack.account_id}:function:{name}"}


def _layer(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    name = physical_name(stack, logical_id, raw, "LayerName")
    arn = f"arn:aws:lambda:{stack.region}:{stack.account_id}:layer:{name}:1"
    return arn, {"Arn": arn}


def _rest_api(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    api_id = hashlib.sha256(f"{stack.stack_name}/{logical_id}".encode()).hexdigest()[:10]
    return api_id, {"RootResourceId": "root"}


def _rule(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    name = physical_name(stack, logical_id, raw, "Name")
    return name, {"Arn": f"arn:aws:events:{stack.region}:{stack.account_id}:rule/{name}"}


def _accept(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    return f"{stack.stack_name}-{logical_id}", {}


def _log_group(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    """Recorded, not created: locally the functions and the gateway log to the shop's own output."""
    name = physical_name(stack, logical_id, stack.resolve(raw), "LogGroupName")
    return name, {"Arn": f"arn:aws:logs:{stack.region}:{stack.account_id}:log-group:{name}:*"}


def _alarm(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    """Recorded, not evaluated: the emulator publishes no metrics for an alarm to watch."""
    name = physical_name(stack, logical_id, stack.resolve(raw), "AlarmName")
    return name, {"Arn": f"arn:aws:cloudwatch:{stack.region}:{stack.account_id}:alarm:{name}"}


def _role(stack: Stack, logical_id: str, raw: dict[str, Any]) -> Created:
    """A role that an AWS service assumes (not a function's: those are the functions' Policies)."""
    name = physical_name(stack, logical_id, raw, "RoleName")
    role_id = "AROA" + hashlib.sha256(f"{stack.stack_name}/{logical_id}".encode()).hexdigest()[:17].upper()
    return name, {"Arn": f"arn:aws:iam::{stack.account_id}:role/{name}", "RoleId": role_id}


def creators() -> dict[str, Creator]:
    """Resource type -> creator, for the types created here; keys, secrets and the console's hosting
    have theirs in `security_resources` and `console_resources` (provision adds them)."""
    return {
        "AWS::DynamoDB::Table": _table,
        "AWS::SQS::Queue": _queue,
        "AWS::SNS::Topic": _topic,
        "AWS::SNS::Subscription": _subscription,
        "AWS::SQS::QueuePolicy": _accept,
        "AWS::SNS::TopicPolicy": _accept,
        "AWS::Lambda::Permission": _accept,
        "AWS::Serverless::Function": _function,
        "AWS::Lambda::Function": _function,
        "AWS::Serverless::LayerVersion": _layer,
        "AWS::Lambda::LayerVersion": _layer,
        "AWS::Serverless::Api": _rest_api,
        "AWS::ApiGateway::RestApi": _rest_api,
        "AWS::Events::Rule": _rule,
        # The local gateway has no WAF: the web ACL is recorded (so Ref/GetAtt resolve), not enforced.
        "AWS::WAFv2::WebACL": _record_only("wafv2", "Name"),
        "AWS::WAFv2::WebACLAssociation": _accept,
        # Monitoring and API Gateway's account settings: recorded so that Ref/GetAtt resolve (the
        # dashboard names every alarm); locally nothing emits CloudWatch metrics or access logs.
        "AWS::Logs::LogGroup": _log_group,
        "AWS::CloudWatch::Alarm": _alarm,
        "AWS::CloudWatch::Dashboard": _record_only("cloudwatch", "DashboardName"),
        "AWS::IAM::Role": _role,
        "AWS::ApiGateway::Account": _accept,
    }


def fallback(resource_type: str) -> Creator:
    service = resource_type.split("::")[1].lower() if resource_type.count("::") == 2 else "local"
    return _record_only(service)
