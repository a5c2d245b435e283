"""The emulator's TransactWriteItems: all or nothing without copying tables, streams left clean."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends

from shop_local.engines.moto_transactions import install

TABLE = "t"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    install()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        client.put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "n": {"N": "1"}, "s": {"S": "text"}})
        client.put_item(TableName=TABLE, Item={"pk": {"S": "c"}, "s": {"S": "text"}})
        yield client


def backend_table() -> Any:
    return dynamodb_backends["123456789012"]["us-east-1"].tables[TABLE]


def item(client: Any, pk: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = client.get_item(TableName=TABLE, Key={"pk": {"S": pk}}).get("Item")
    return found


def put(pk: str) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": TABLE,
            "Item": {"pk": {"S": pk}},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def add(pk: str, attribute: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": TABLE,
            "Key": {"pk": {"S": pk}},
            "UpdateExpression": f"ADD {attribute} :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }


def cancelled(client: Any, items: list[dict[str, Any]]) -> list[str]:
    with pytest.raises(ClientError) as raised:
        client.transact_write_items(TransactItems=items)
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    return [reason["Code"] for reason in raised.value.response["CancellationReasons"]]


def test_a_transaction_whose_conditions_hold_writes_every_element(dynamodb: Any) -> None:
    dynamodb.transact_write_items(TransactItems=[put("b"), add("a", "n")])

    assert item(dynamodb, "b") == {"pk": {"S": "b"}}
    assert item(dynamodb, "a")["n"] == {"N": "2"}  # type: ignore[index]


def test_a_failed_condition_cancels_it_with_nothing_written_and_the_table_not_swapped(dynamodb: Any) -> None:
    table, shard = backend_table(), backend_table().stream_shard
    records = len(shard.items)

    assert cancelled(dynamodb, [put("b"), add("a", "n"), put("c")]) == [
        "None",
        "None",
        "ConditionalCheckFailed",
    ]

    assert item(dynamodb, "b") is None
    assert item(dynamodb, "a")["n"] == {"N": "1"}  # type: ignore[index]
    assert backend_table() is table and table.stream_shard is shard, "no copy of the table replaced it"
    assert len(shard.items) == records, "no stream record of a write that never happened"


def test_a_write_that_fails_after_others_were_applied_puts_them_back(dynamodb: Any) -> None:
    shard = backend_table().stream_shard
    records = len(shard.items)

    with pytest.raises(ClientError) as raised:  # ADD of a number to a string: only the write finds out
        dynamodb.transact_write_items(TransactItems=[put("b"), add("a", "n"), add("a2", "x"), add("c", "s")])

    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert item(dynamodb, "b") is None and item(dynamodb, "a2") is None
    assert item(dynamodb, "a") == {"pk": {"S": "a"}, "n": {"N": "1"}, "s": {"S": "text"}}
    assert len(shard.items) == records


def test_the_old_item_comes_back_when_asked_and_an_item_twice_is_refused(dynamodb: Any) -> None:
    guarded = put("a")
    guarded["Put"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(TransactItems=[guarded])
    reasons: list[dict[str, Any]] = raised.value.response["CancellationReasons"]  # type: ignore[assignment]
    assert reasons[0]["Item"]["s"] == {"S": "text"}

    with pytest.raises(ClientError) as twice:
        dynamodb.transact_write_items(TransactItems=[add("a", "n"), add("a", "n")])
    assert twice.value.response["Error"]["Code"] == "ValidationException"
    assert item(dynamodb, "a")["n"] == {"N": "1"}  # type: ignore[index]
