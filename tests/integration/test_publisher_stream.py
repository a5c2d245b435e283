"""OrdersTable stream -> publisher -> topic -> consumer queues, on the emulator, through the local poller."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from shop_local.event_mappings.sources import StreamSource, template_event_sources
from shop_local.event_mappings.stream_poller import StreamPoller
from shop_local.lambda_runtime.containers import FunctionFailed, Functions
from shop_local.provisioning.provision import Stack

pytestmark = pytest.mark.integration
PUBLISHER = "OrderEventsPublisherFunction"


def order_event(order_id: str, seq: int, kind: str) -> dict[str, Any]:
    item = {
        "pk": f"ORDER#{order_id}",
        "sk": f"EVENT#{seq:08d}",
        "entity": "order_event",
        "event_id": str(uuid.uuid4()),
        "order_id": order_id,
        "seq": seq,
        "type": kind,
        "occurred_at": "2026-03-01T10:00:00.000Z",
        "actor": {"id": "u1", "role": "customer"},
        "data": {"user_id": "u1", "total_cents": Decimal(2999), "currency": "USD", "items": []},
    }
    serializer = TypeSerializer()
    return {name: serializer.serialize(value) for name, value in item.items()}


def commit(stack: Stack, item: dict[str, Any]) -> str:
    boto3.client("dynamodb").put_item(TableName=stack.physical_id("OrdersTable"), Item=item)
    return item["event_id"]["S"]


def received(stack: Stack, queue: str, order_id: str, wait: float = 0.0) -> list[dict[str, Any]]:
    """Every message of `order_id` now in `queue` (deleted once read), with its `type` attribute."""
    sqs, url = boto3.client("sqs"), stack.physical_id(queue)
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        for message in messages.get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            body = json.loads(message["Body"])
            if body.get("order_id") == order_id:
                found.append({"body": body, "type": message["MessageAttributes"]["type"]["StringValue"]})
        if not messages.get("Messages") and (found or time.monotonic() > deadline):
            return found


@pytest.fixture(scope="module")
def publisher_source(stack: Stack) -> StreamSource:
    sources = [s for s in template_event_sources(stack.template, stack.resolve) if s.function_id == PUBLISHER]
    assert len(sources) == 1 and isinstance(sources[0], StreamSource)
    return replace(sources[0], starting_position="LATEST")  # this test's records only


def test_the_template_wires_the_publisher_like_the_issue_says(publisher_source: StreamSource, stack: Stack):
    assert publisher_source.report_item_failures and publisher_source.bisect_on_error
    assert publisher_source.maximum_retry_attempts == 10
    assert publisher_source.on_failure_arn == stack.attribute("PublisherDLQ", "Arn")


def poller_for(stack: Stack, source: StreamSource, invoke) -> StreamPoller:
    return StreamPoller(source, invoke, stack.client, stack.account_id, stack.region, threading.Event())


def test_each_consumer_queue_gets_exactly_its_types_with_the_body_and_attribute(stack, publisher_source):
    functions = Functions([stack.function(PUBLISHER)])
    poller = poller_for(stack, publisher_source, functions.invoke)
    order_id = uuid.uuid4().hex
    created = commit(stack, order_event(order_id, 1, "order_created"))
    commit(stack, order_event(order_id, 2, "payment_failed"))
    cancelled = commit(stack, order_event(order_id, 3, "order_cancelled"))
    refunded = commit(stack, order_event(order_id, 4, "payment_refunded"))
    while poller.poll_once():
        pass
    stats = received(stack, "SalesStatsQueue", order_id, wait=2)
    notifications = received(stack, "NotificationsQueue", order_id, wait=2)
    refunds = received(stack, "RefundsQueue", order_id, wait=2)
    assert [(m["body"]["id"], m["type"]) for m in stats] == [
        (created, "order_created"),
        (cancelled, "order_cancelled"),
        (refunded, "payment_refunded"),
    ]
    assert [(m["body"]["id"], m["type"]) for m in notifications] == [(created, "order_created")]
    assert [(m["body"]["id"], m["type"]) for m in refunds] == [(cancelled, "order_cancelled")]
    assert stats[0]["body"] == {
        "id": created,
        "type": "order_created",
        "version": 1,
        "occurred_at": "2026-03-01T10:00:00.000Z",
        "order_id": order_id,
        "seq": 1,
        "data": {"user_id": "u1", "total_cents": 2999, "currency": "USD", "items": []},
    }


def test_a_publisher_that_dies_after_the_commit_still_delivers_the_event(stack, publisher_source):
    functions = Functions([stack.function(PUBLISHER)])
    calls: list[int] = []

    def dies_once(function_id: str, event: dict[str, Any]):
        calls.append(len(event["Records"]))
        if len(calls) == 1:
            raise FunctionFailed(f"{function_id}: Runtime.ExitError: the process died before publishing")
        return functions.invoke(function_id, event)

    poller = poller_for(stack, publisher_source, dies_once)
    order_id = uuid.uuid4().hex
    event_id = commit(stack, order_event(order_id, 1, "order_created"))
    while poller.poll_once():
        pass
    assert len(calls) >= 2
    assert [m["body"]["id"] for m in received(stack, "SalesStatsQueue", order_id, wait=2)] == [event_id]


class FlakySns:
    """The real SNS client, except that the first `outages` PublishBatch calls fail as throttled
    and the next `refusals` calls publish all but their last entry, which they report as Failed."""

    def __init__(self, outages: int = 0, refusals: int = 0):
        self._sns, self.outages, self.refusals, self.calls = boto3.client("sns"), outages, refusals, 0

    def publish_batch(self, **request: Any) -> Any:
        self.calls += 1
        if self.calls <= self.outages:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "PublishBatch")
        topic, entries = request["TopicArn"], request["PublishBatchRequestEntries"]
        if self.calls > self.outages + self.refusals:
            return self._sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
        answer = self._sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries[:-1])
        failed = {"Id": entries[-1]["Id"], "Code": "InternalError", "SenderFault": False}
        return {"Successful": answer["Successful"], "Failed": [failed]}


def run_publisher(stack, source, sns: FlakySns, write) -> list[int]:
    """`write()` commits, then the poller drives the publisher as Lambda would (raising = failed)."""
    from shop.adapters.orders.orders_paid_listing import DynamoPaidListing
    from shop.adapters.sns_publisher import SnsBusPublisher
    from shop.config import settings
    from shop.services.event_publishing import OrderEventPublisher

    listing = DynamoPaidListing(boto3.client("dynamodb"), settings().orders_table)
    publisher = OrderEventPublisher(SnsBusPublisher(sns, settings().order_events_topic_arn), listing)
    sizes: list[int] = []

    def invoke(function_id: str, event: dict[str, Any]):
        sizes.append(len(event["Records"]))
        try:
            return publisher.handle(event)
        except Exception as exc:
            raise FunctionFailed(f"{function_id}: {exc}") from exc

    poller = poller_for(stack, source, invoke)
    write()
    while poller.poll_once():
        pass
    return sizes


def test_events_the_topic_could_not_take_are_retried_from_the_stream_until_delivered(stack, publisher_source):
    order_id = uuid.uuid4().hex
    ids: list[str] = []
    sns = FlakySns(outages=2)
    sizes = run_publisher(
        stack,
        publisher_source,
        sns,
        lambda: ids.extend(commit(stack, order_event(order_id, s, "order_created")) for s in (1, 2)),
    )
    assert sns.calls >= 3 and len(sizes) == sns.calls
    assert sorted(m["body"]["id"] for m in received(stack, "SalesStatsQueue", order_id, wait=2)) == sorted(
        ids
    )


def test_only_the_refused_event_is_published_again(stack, publisher_source):
    order_id = uuid.uuid4().hex
    ids: list[str] = []
    sns = FlakySns(refusals=1)
    sizes = run_publisher(
        stack,
        publisher_source,
        sns,
        lambda: ids.extend(commit(stack, order_event(order_id, s, "order_created")) for s in (1, 2, 3)),
    )
    assert sizes == [3, 1]  # retried from the first failed record: the third
    assert [m["body"]["id"] for m in received(stack, "SalesStatsQueue", order_id, wait=2)] == ids
