"""The consumer framework on the emulator: real queues from template.yaml, the local SQS poller, real markers."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import boto3
import pytest

from shop.domain.bus_messages import BusMessage
from shop.services.event_consumer import EventConsumer, claim_once
from shop_local.event_mappings.poller import SqsPoller
from shop_local.event_mappings.sources import SqsSource
from shop_local.lambda_runtime.containers import FunctionFailed
from shop_local.provisioning.provision import Stack

pytestmark = pytest.mark.integration


def body(event_id: str, kind: str = "payment_succeeded") -> str:
    message = BusMessage(id=event_id, type=kind, occurred_at="2026-03-01T10:00:00Z", order_id="o1", seq=2)
    return message.to_json()


@pytest.fixture
def fast_sales_stats_queue(stack: Stack):
    """SalesStatsQueue as the template makes it, but failed messages come back at once (not after 60 s)."""
    sqs, url = boto3.client("sqs"), stack.physical_id("SalesStatsQueue")
    saved = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    sqs.purge_queue(QueueUrl=url)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})
    yield url
    sqs.set_queue_attributes(QueueUrl=url, Attributes=saved)


def test_duplicates_make_one_effect_and_a_poison_message_reaches_the_dlq(
    stack: Stack, fast_sales_stats_queue
):
    from shop.bootstrap import build_processed_events

    processed, sent = build_processed_events(), []
    consumer_name = f"test-mailer-{uuid.uuid4().hex[:8]}"

    def on_message(message: BusMessage) -> None:
        claim_once(processed, consumer_name, message.id, lambda: sent.append(message.id))

    consumer = EventConsumer(consumer_name, on_message)
    sqs = boto3.client("sqs")
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    poison = json.dumps({"id": "p", "type": "payment_succeeded", "version": 1})  # no order_id, seq...
    for text in (body(first), poison, body(second), body(first), body(second)):
        sqs.send_message(QueueUrl=fast_sales_stats_queue, MessageBody=text)

    source = SqsSource("TestConsumer", stack.attribute("SalesStatsQueue", "Arn"), 10, 0.0, True)

    def invoke(function_id: str, event: dict[str, Any]):
        try:
            return consumer.handle(event)
        except Exception as exc:  # as Lambda reports it: the whole batch comes back
            raise FunctionFailed(f"{function_id}: {exc}") from exc

    poller = SqsPoller(source, invoke, sqs, stack.region, threading.Event())
    for _ in range(20):
        if not poller.poll_once():
            break

    assert sorted(sent) == sorted([first, second])
    dlq = stack.physical_id("SalesStatsDLQ")
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in dead] == [poison]
    assert int(dead[0]["Attributes"]["ApproximateReceiveCount"]) >= 5
    sqs.delete_message(QueueUrl=dlq, ReceiptHandle=dead[0]["ReceiptHandle"])
    left = sqs.get_queue_attributes(
        QueueUrl=fast_sales_stats_queue, AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert left["Attributes"]["ApproximateNumberOfMessages"] == "0"
