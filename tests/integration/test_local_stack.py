"""The local cloud built from template.yaml: what it creates, and that it keeps DynamoDB's guarantees."""

from __future__ import annotations

import json
import sys
import threading
import urllib.request
import uuid
from typing import Any

import boto3
import pytest

from shop_local.engines.emulator import Emulator, PortInUse, start_emulator
from shop_local.provisioning.provision import Stack, provision

pytestmark = pytest.mark.integration


def _of_type(stack: Stack, kind: str) -> list[str]:
    return [lid for lid, res in stack.resources.items() if res.get("Type") == kind]


def test_every_table_has_the_templates_keys_indexes_and_ttl(stack: Stack) -> None:
    ddb = boto3.client("dynamodb")
    tables = _of_type(stack, "AWS::DynamoDB::Table")
    assert {"UsersTable", "CatalogTable", "AuditTable"} <= set(tables)
    for logical_id in tables:
        props = stack.resolve(stack.resources[logical_id]["Properties"])
        table = ddb.describe_table(TableName=stack.physical_id(logical_id))["Table"]
        assert table["KeySchema"] == props["KeySchema"], logical_id
        assert sorted(map(str, table["AttributeDefinitions"])) == sorted(
            map(str, props["AttributeDefinitions"])
        )
        assert table["BillingModeSummary"]["BillingMode"] == props.get("BillingMode", "PROVISIONED")
        indexes = {i["IndexName"]: i["KeySchema"] for i in table.get("GlobalSecondaryIndexes", [])}
        assert indexes == {i["IndexName"]: i["KeySchema"] for i in props.get("GlobalSecondaryIndexes", [])}
        ttl = ddb.describe_time_to_live(TableName=table["TableName"])["TimeToLiveDescription"]
        wanted = props.get("TimeToLiveSpecification")
        if wanted and wanted.get("Enabled"):
            assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", wanted["AttributeName"])
        else:
            assert ttl["TimeToLiveStatus"] == "DISABLED"
        if "StreamSpecification" in props:
            assert stack.attribute(logical_id, "StreamArn") == table["LatestStreamArn"]


def test_every_queue_topic_key_and_secret_exists(stack: Stack) -> None:
    for logical_id in _of_type(stack, "AWS::SQS::Queue"):
        attrs = boto3.client("sqs").get_queue_attributes(
            QueueUrl=stack.physical_id(logical_id), AttributeNames=["All"]
        )
        assert attrs["Attributes"]["QueueArn"] == stack.attribute(logical_id, "Arn")
    for logical_id in _of_type(stack, "AWS::SNS::Topic"):
        boto3.client("sns").get_topic_attributes(TopicArn=stack.physical_id(logical_id))
    kms = boto3.client("kms")
    for logical_id in _of_type(stack, "AWS::KMS::Key"):
        assert kms.describe_key(KeyId=stack.physical_id(logical_id))["KeyMetadata"]["Enabled"]
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    for logical_id in _of_type(stack, "AWS::KMS::Alias"):
        target = stack.resolve(stack.resources[logical_id]["Properties"]["TargetKeyId"])
        assert aliases[stack.physical_id(logical_id)] == target
    for logical_id in _of_type(stack, "AWS::SecretsManager::Secret"):
        boto3.client("secretsmanager").describe_secret(SecretId=stack.physical_id(logical_id))
    blind_index = boto3.client("secretsmanager").get_secret_value(
        SecretId=stack.physical_id("BlindIndexSecret")
    )
    assert len(blind_index["SecretString"]) == 64 and blind_index["SecretString"].isalnum()


def test_the_test_process_has_the_functions_settings(stack: Stack) -> None:
    from shop.config import settings

    assert settings().users_table == stack.physical_id("UsersTable")
    assert settings().data_key_id == stack.physical_id("DataKey")
    assert settings().access_token_ttl_seconds == 900


def test_provisioning_again_reuses_every_resource(stack: Stack) -> None:
    again = provision(stack.template, stack.endpoint_url, base_dir=stack.base_dir)
    assert again.physical_ids == stack.physical_ids


def test_a_busy_port_is_reported_plainly(emulator: Emulator) -> None:
    with pytest.raises(PortInUse, match=f"port {emulator.port} .* already in use"):
        start_emulator(emulator.port)


def test_sent_mail_shows_in_the_ses_mailbox(stack: Stack, emulator: Emulator) -> None:
    ses = boto3.client("ses")
    sender = f"shop-{uuid.uuid4().hex[:8]}@example.com"
    ses.verify_email_identity(EmailAddress=sender)
    ses.send_email(
        Source=sender,
        Destination={"ToAddresses": ["ada@example.com"]},
        Message={
            "Subject": {"Data": "Order confirmed"},
            "Body": {"Text": {"Data": "Thanks"}, "Html": {"Data": "<p>Thanks</p>"}},
        },
    )
    with urllib.request.urlopen(f"{emulator.url}/_aws/ses?email={sender}") as answer:
        (mail,) = json.load(answer)["messages"]
    assert mail["Source"] == sender and mail["Region"] == "us-east-1"
    assert mail["Destination"] == {"ToAddresses": ["ada@example.com"]}
    assert mail["Subject"] == "Order confirmed"
    assert mail["Body"] == {"text_part": "Thanks", "html_part": "<p>Thanks</p>"}
    assert mail["Timestamp"] and mail["Id"]
    with urllib.request.urlopen(
        urllib.request.Request(f"{emulator.url}/_aws/ses?id={mail['Id']}", method="DELETE")
    ):
        pass
    with urllib.request.urlopen(f"{emulator.url}/_aws/ses?email={sender}") as answer:
        assert json.load(answer)["messages"] == []


def _sell_out(table: str, key: dict[str, Any], threads: int = 16) -> int:
    """Every thread decrements stock (>= 1) until refused; returns how many decrements succeeded."""
    successes: list[int] = []

    def buy() -> None:
        client = boto3.client("dynamodb")
        sold = 0
        while True:
            try:
                client.update_item(
                    TableName=table,
                    Key=key,
                    UpdateExpression="SET available = available - :one",
                    ConditionExpression="available >= :one",
                    ExpressionAttributeValues={":one": {"N": "1"}},
                )
                sold += 1
            except client.exceptions.ConditionalCheckFailedException:
                successes.append(sold)
                return

    workers = [threading.Thread(target=buy) for _ in range(threads)]
    # Switch threads often so that, without the emulator's lock, updates interleave (oversold 102..114).
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0001)
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        sys.setswitchinterval(interval)
    return sum(successes)


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_conditional_decrements_never_oversell(stack: Stack, round_: int) -> None:
    table = stack.physical_id("CatalogTable")
    key = {"pk": {"S": f"TEST#STOCK#{uuid.uuid4()}"}, "sk": {"S": "STOCK"}}
    ddb = boto3.client("dynamodb")
    ddb.put_item(TableName=table, Item={**key, "available": {"N": "100"}})
    assert _sell_out(table, key) == 100
    assert ddb.get_item(TableName=table, Key=key)["Item"]["available"] == {"N": "0"}
    ddb.delete_item(TableName=table, Key=key)
