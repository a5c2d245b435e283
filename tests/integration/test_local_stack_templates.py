"""Provisioning features the shop's template will need, on small templates of their own."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from shop_local.engines.emulator import Emulator
from shop_local.provisioning.provision import ProvisionError, provision
from shop_local.provisioning.template import load_template

pytestmark = pytest.mark.integration

BUS = """
Resources:
  Events:
    Type: AWS::SNS::Topic
  PaidDlq:
    Type: AWS::SQS::Queue
  Paid:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
      RedrivePolicy: {deadLetterTargetArn: !GetAtt PaidDlq.Arn, maxReceiveCount: 3}
  PaidOnly:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Events
      Protocol: sqs
      Endpoint: !GetAtt Paid.Arn
      RawMessageDelivery: true
      FilterPolicy: {type: [payment_succeeded, order_cancelled]}
  Big:
    Type: AWS::SQS::Queue
  Sequenced:
    Type: AWS::SQS::Queue
    Properties: {FifoQueue: true, ContentBasedDeduplication: true}
  BigOnly:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Events
      Protocol: sqs
      Endpoint: !GetAtt Big.Arn
      FilterPolicyScope: MessageBody
      FilterPolicy: {total_cents: [{numeric: [">=", 10000]}]}
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
"""

RESPOND = """
import json, os, urllib.request
import boto3

def handler(event, context):
    props = event["ResourceProperties"]
    status = "FAILED" if props.get("Fail") == "yes" else "SUCCESS"
    if status == "SUCCESS":
        boto3.client("secretsmanager").put_secret_value(SecretId=props["SecretId"], SecretString=os.environ["KEY_TEXT"])
    body = {"Status": status, "Reason": "no key for you" if status == "FAILED" else "", "PhysicalResourceId": "key-1",
            "StackId": event["StackId"], "RequestId": event["RequestId"], "LogicalResourceId": event["LogicalResourceId"],
            "Data": {"Kid": "kid-" + context.function_name}}
    data = json.dumps(body).encode()
    request = urllib.request.Request(event["ResponseURL"], data=data, method="PUT", headers={"Content-Type": ""})
    urllib.request.urlopen(request).close()
"""

CUSTOM = """
Globals:
  Function:
    Runtime: python3.11
    Environment: {Variables: {KEY_TEXT: !Sub "key-of-${AWS::StackName}"}}
Resources:
  Keys:
    Type: AWS::SecretsManager::Secret
  KeySetupFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: setup/, Handler: respond.handler}
  KeySetup:
    Type: Custom::SigningKey
    Properties: {ServiceToken: !GetAtt KeySetupFunction.Arn, SecretId: !Ref Keys, Fail: !Ref Fail}
Parameters:
  Fail: {Type: String, Default: "no", AllowedValues: ["yes", "no"]}
Outputs:
  Kid: {Value: !GetAtt KeySetup.Kid}
"""


def _template(tmp_path: Path, text: str) -> dict[str, Any]:
    (tmp_path / "template.yaml").write_text(text)
    (tmp_path / "setup").mkdir(exist_ok=True)
    (tmp_path / "setup" / "respond.py").write_text(RESPOND)
    return load_template(tmp_path / "template.yaml")


def _bodies(queue_url: str) -> list[str]:
    messages = (
        boto3.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    )
    return sorted(m["Body"] for m in messages)


def test_sns_delivers_to_sqs_only_what_the_filter_policy_accepts(
    aws_environment, emulator: Emulator, tmp_path: Path
) -> None:
    bus = provision(
        _template(tmp_path, BUS), emulator.url, stack_name=f"bus-{uuid.uuid4().hex[:6]}", base_dir=tmp_path
    )
    sns, topic = boto3.client("sns"), bus.physical_id("Events")
    for kind, total in (("order_created", 500), ("payment_succeeded", 20000), ("order_cancelled", 900)):
        body = json.dumps({"type": kind, "total_cents": total})
        sns.publish(
            TopicArn=topic,
            Message=body,
            MessageAttributes={"type": {"DataType": "String", "StringValue": kind}},
        )
    paid = [json.loads(body)["type"] for body in _bodies(bus.physical_id("Paid"))]
    assert sorted(paid) == ["order_cancelled", "payment_succeeded"]
    (big,) = _bodies(bus.physical_id("Big"))
    assert json.loads(json.loads(big)["Message"])["total_cents"] == 20000  # not raw: SNS envelope
    redrive = boto3.client("sqs").get_queue_attributes(
        QueueUrl=bus.physical_id("Paid"), AttributeNames=["All"]
    )
    assert json.loads(redrive["Attributes"]["RedrivePolicy"])["deadLetterTargetArn"] == bus.attribute(
        "PaidDlq", "Arn"
    )
    assert bus.physical_id("Sequenced").endswith("Sequenced.fifo")
    again = provision(bus.template, emulator.url, stack_name=bus.stack_name, base_dir=tmp_path)
    assert again.physical_ids == bus.physical_ids
    assert len(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 2


def test_stream_arn_is_the_tables_real_stream(aws_environment, emulator: Emulator, tmp_path: Path) -> None:
    bus = provision(
        _template(tmp_path, BUS), emulator.url, stack_name=f"stream-{uuid.uuid4().hex[:6]}", base_dir=tmp_path
    )
    streams = boto3.client("dynamodbstreams")
    boto3.client("dynamodb").put_item(TableName=bus.physical_id("Orders"), Item={"pk": {"S": "o-1"}})
    description = streams.describe_stream(StreamArn=bus.attribute("Orders", "StreamArn"))["StreamDescription"]
    shard = description["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=description["StreamArn"], ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    (record,) = streams.get_records(ShardIterator=iterator)["Records"]
    assert record["dynamodb"]["NewImage"] == {"pk": {"S": "o-1"}}


def test_custom_resource_runs_its_function_once_and_exposes_its_data(
    aws_environment, emulator: Emulator, tmp_path: Path
) -> None:
    name = f"custom-{uuid.uuid4().hex[:6]}"
    created = provision(_template(tmp_path, CUSTOM), emulator.url, stack_name=name, base_dir=tmp_path)
    assert created.physical_id("KeySetup") == "key-1"
    assert created.outputs()["Kid"] == f"kid-{name}-KeySetupFunction"
    secrets = boto3.client("secretsmanager")
    assert secrets.get_secret_value(SecretId=created.physical_id("Keys"))["SecretString"] == f"key-of-{name}"
    secrets.put_secret_value(SecretId=created.physical_id("Keys"), SecretString="rotated")
    again = provision(created.template, emulator.url, stack_name=name, base_dir=tmp_path)
    assert again.attribute("KeySetup", "Kid") == f"kid-{name}-KeySetupFunction"
    assert secrets.get_secret_value(SecretId=created.physical_id("Keys"))["SecretString"] == "rotated"


def test_a_failed_custom_resource_stops_provisioning_with_its_reason(
    aws_environment, emulator: Emulator, tmp_path: Path
) -> None:
    template = _template(tmp_path, CUSTOM)
    with pytest.raises(ProvisionError, match="KeySetup: KeySetupFunction answered FAILED: no key for you"):
        provision(
            template,
            emulator.url,
            stack_name=f"fail-{uuid.uuid4().hex[:6]}",
            parameters={"Fail": "yes"},
            base_dir=tmp_path,
        )


def test_a_custom_resource_without_its_function_fails_clearly(
    aws_environment, emulator: Emulator, tmp_path: Path
) -> None:
    template = _template(tmp_path, CUSTOM)
    del template["Resources"]["KeySetupFunction"]
    with pytest.raises(ProvisionError, match=r"KeySetup.*no resource KeySetupFunction"):
        provision(template, emulator.url, stack_name=f"missing-{uuid.uuid4().hex[:6]}", base_dir=tmp_path)
