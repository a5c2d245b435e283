"""What the stock rules rely on, shown on the real engine: conditional writes and transaction conflicts."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from shop.config import settings

THREADS = 32


@pytest.fixture
def raw_dynamodb(local_cloud):
    """No SDK retries: every conflict the engine reports is seen by the test."""
    config = Config(retries={"mode": "standard", "max_attempts": 1}, max_pool_connections=THREADS)
    return boto3.client("dynamodb", config=config)


def _stock_item(dynamodb, table: str, available: int) -> dict[str, Any]:
    key = {"pk": {"S": f"TEST#{uuid.uuid4().hex}"}, "sk": {"S": "PRODUCT"}}
    dynamodb.put_item(TableName=table, Item=key | {"available": {"N": str(available)}})
    return key


def test_concurrent_conditional_decrements_never_oversell(raw_dynamodb):
    table = settings().catalog_table
    key = _stock_item(raw_dynamodb, table, 100)
    start = threading.Barrier(THREADS)

    def take_until_sold_out() -> Counter[str]:
        seen: Counter[str] = Counter()
        start.wait()
        while True:
            try:
                raw_dynamodb.update_item(
                    TableName=table,
                    Key=key,
                    UpdateExpression="SET available = available - :one",
                    ConditionExpression="available >= :one",
                    ExpressionAttributeValues={":one": {"N": "1"}},
                )
                seen["taken"] += 1
            except ClientError as exc:
                code = exc.response["Error"]["Code"]
                seen[code] += 1
                if code == "ConditionalCheckFailedException":
                    return seen

    began = time.monotonic()
    with ThreadPoolExecutor(THREADS) as pool:
        totals = sum(
            (f.result() for f in [pool.submit(take_until_sold_out) for _ in range(THREADS)]), Counter()
        )
    seconds = time.monotonic() - began
    left = raw_dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["available"]["N"]
    print(
        f"\n{THREADS} threads: {dict(totals)} in {seconds:.2f} s ({totals['taken'] / seconds:.0f} writes/s)"
    )
    assert totals["taken"] == 100
    assert left == "0"
    assert totals["ConditionalCheckFailedException"] == THREADS


def _reserve(dynamodb, table: str, key: dict[str, Any], order_id: str) -> str:
    """Checkout's shape: decrement stock and create an order, all or nothing."""
    try:
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": key,
                        "UpdateExpression": "SET available = available - :one",
                        "ConditionExpression": "available >= :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"pk": {"S": f"TEST#ORDER#{order_id}"}, "sk": {"S": "ORDER"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "TransactionCanceledException":
            return exc.response["Error"]["Code"]
        reasons = {str(r.get("Code")) for r in exc.response.get("CancellationReasons", [])} - {"None"}
        return "TransactionConflict" if "TransactionConflict" in reasons else ",".join(sorted(reasons))
    return "committed"


def test_transactions_on_one_hot_item_never_oversell(raw_dynamodb):
    """Checkout's transaction shape from 32 threads: exactly `stock` commit, the rest are cancelled.

    Observed on DynamoDB Local 3.3.0: it serialises transactions, so contention is reported as
    TransactionCanceled(ConditionalCheckFailed) once stock runs out and never as TransactionConflict
    (the jar only maps that code, nothing raises it). Checkout's conflict retry therefore needs an
    injected conflict to be exercised; see shop_local.engines.transaction_conflicts.
    """
    table = settings().catalog_table
    stock = 40
    key = _stock_item(raw_dynamodb, table, stock)
    start = threading.Barrier(THREADS)

    def attempt(_: int) -> Counter[str]:
        start.wait()
        return Counter(_reserve(raw_dynamodb, table, key, uuid.uuid4().hex) for _ in range(5))

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = sum(pool.map(attempt, range(THREADS)), Counter())
    left = int(raw_dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["available"]["N"])
    print(f"\n{THREADS * 5} transactions on one item: {dict(outcomes)}")
    assert outcomes["committed"] == stock
    assert left == 0
    assert outcomes["ConditionalCheckFailed"] + outcomes["TransactionConflict"] == THREADS * 5 - stock


def test_an_injected_conflict_is_what_the_sdk_reports_for_a_real_one(local_cloud):
    """The fault injection checkout's retry tests rely on: same exception, same reasons shape."""
    from shop.adapters.aws import client
    from shop_local.engines.transaction_conflicts import transaction_conflicts

    dynamodb, table = client("dynamodb"), settings().catalog_table
    key = _stock_item(dynamodb, table, 5)
    with transaction_conflicts(dynamodb, times=1) as injected:
        first = _reserve(dynamodb, table, key, uuid.uuid4().hex)
        second = _reserve(dynamodb, table, key, uuid.uuid4().hex)
    assert (first, second) == ("TransactionConflict", "committed")
    assert (injected.injected, injected.passed) == (1, 1)
    left = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]["available"]["N"]
    assert left == "4"


def test_the_real_engine_honours_transaction_tokens_as_the_emulator_does(raw_dynamodb, engine_honours_tokens):
    engine_honours_tokens(raw_dynamodb, settings().catalog_table)
