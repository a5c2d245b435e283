"""The event path on the real engine: DynamoDB Local's stream feeds the publisher; markers under real concurrency."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from boto3.dynamodb.types import TypeSerializer

from shop.bootstrap import build_processed_events
from shop.services.event_consumer import claim_once
from shop_local.event_mappings.sources import StreamSource, template_event_sources
from shop_local.event_mappings.stream_poller import StreamPoller
from shop_local.lambda_runtime.containers import Functions

PUBLISHER = "OrderEventsPublisherFunction"


def test_an_order_event_committed_on_the_real_engine_reaches_the_stats_queue(local_cloud):
    stack = local_cloud.stack
    assert "ddblocal" in stack.attribute("OrdersTable", "StreamArn")  # the stream is DynamoDB Local's
    (source,) = [
        s for s in template_event_sources(stack.template, stack.resolve) if s.function_id == PUBLISHER
    ]
    assert isinstance(source, StreamSource)
    order_id, event_id = uuid.uuid4().hex, str(uuid.uuid4())
    item = {
        "pk": f"ORDER#{order_id}",
        "sk": "EVENT#00000001",
        "entity": "order_event",
        "event_id": event_id,
        "order_id": order_id,
        "seq": 1,
        "type": "payment_succeeded",
        "occurred_at": "2026-03-01T10:00:00Z",
        "data": {"amount_cents": 2999, "currency": "USD"},
    }
    serializer = TypeSerializer()
    boto3.client("dynamodb").put_item(
        TableName=stack.physical_id("OrdersTable"), Item={k: serializer.serialize(v) for k, v in item.items()}
    )
    # Created after the commit: DynamoDB Local numbers stream records across all tables, and an
    # iterator taken on a still-empty shard fails with TrimmedDataAccessException once records come.
    functions = Functions([stack.function(PUBLISHER)])
    poller = StreamPoller(
        source,
        functions.invoke,
        stack.client,
        stack.account_id,
        stack.region,
        threading.Event(),
    )
    # The poller starts at the stream's oldest record, as the template's mapping does, so the orders
    # of earlier tests in this session are published too: this event is looked for among them.
    queue, published = stack.physical_id("SalesStatsQueue"), []
    for _ in range(30):  # DynamoDB Local's stream shows a record shortly after the write
        poller.poll_once()
        published += _drained(queue)
        if any(json.loads(m["Body"])["id"] == event_id for m in published):
            break
        threading.Event().wait(0.1)
    ours = [m for m in published if json.loads(m["Body"])["id"] == event_id]
    assert [json.loads(m["Body"])["data"] for m in ours] == [{"amount_cents": 2999, "currency": "USD"}]
    assert ours[0]["MessageAttributes"]["type"]["StringValue"] == "payment_succeeded"


def _drained(queue_url: str) -> list[Any]:
    """Every message the queue holds now, received and deleted."""
    sqs, found = boto3.client("sqs"), []
    while got := sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", []):
        found += got
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got)],
        )
    return found


def test_sixteen_racing_deliveries_of_one_event_make_one_effect(local_cloud):
    processed, event, sent = build_processed_events(), str(uuid.uuid4()), []
    barrier = threading.Barrier(16)

    def deliver(_: int) -> str:
        barrier.wait()
        return "ran" if claim_once(processed, "mailer", event, lambda: sent.append(1)) else "skipped"

    with ThreadPoolExecutor(16) as pool:
        outcomes = list(pool.map(deliver, range(16)))
    assert sent == [1] and outcomes.count("ran") == 1


def test_sixteen_racing_transactional_effects_of_one_event_commit_once(local_cloud):
    processed, event, key = build_processed_events(), str(uuid.uuid4()), uuid.uuid4().hex
    table = local_cloud.stack.physical_id("ProcessedEventsTable")
    increment = {
        "Update": {
            "TableName": table,
            "Key": {"pk": {"S": "TEST#counter"}, "sk": {"S": key}},
            "UpdateExpression": "ADD hits :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }
    barrier = threading.Barrier(16)

    def deliver(_: int) -> bool:
        barrier.wait()
        return processed.write_once("stats", event, [increment])

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(deliver, range(16)))
    item = boto3.client("dynamodb").get_item(
        TableName=table, Key={"pk": {"S": "TEST#counter"}, "sk": {"S": key}}, ConsistentRead=True
    )["Item"]
    assert results.count(True) == 1 and item["hits"]["N"] == "1"
