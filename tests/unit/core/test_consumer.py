"""The consumer framework: each record alone, poison isolated, every effect once per (consumer, event)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from shop.domain.bus_messages import BusMessage
from shop.services.event_consumer import EventConsumer, claim_once, parse_bus_message
from tests.fakes import MemoryProcessedEvents

SAMPLE = Path(__file__).parents[3] / "events" / "events" / "consume_bus_message.json"


def sqs_event(*bodies: str) -> dict[str, Any]:
    template = json.loads(SAMPLE.read_text())["Records"][0]
    records = []
    for n, body in enumerate(bodies):
        record = copy.deepcopy(template)
        record["messageId"], record["body"] = f"m{n}", body
        records.append(record)
    return {"Records": records}


def body(event_id: str, kind: str = "payment_succeeded") -> str:
    return json.dumps(
        {
            "id": event_id,
            "type": kind,
            "version": 1,
            "occurred_at": "2026-03-01T10:00:00Z",
            "order_id": "o1",
            "seq": 2,
            "data": {"total_cents": 2999},
        }
    )


class Mailer:
    def __init__(self, failures: int = 0):
        self.sent: list[str] = []
        self.failures = failures

    def send(self, event_id: str) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("mail service down")
        self.sent.append(event_id)


def notifications(processed, mailer) -> EventConsumer:
    def on_message(message: BusMessage) -> None:
        claim_once(processed, "notifications", message.id, lambda: mailer.send(message.id))

    return EventConsumer("notifications", on_message, types={"payment_succeeded"})


def test_each_message_delivered_twice_makes_one_effect():
    processed, mailer = MemoryProcessedEvents(), Mailer()
    consumer = notifications(processed, mailer)
    assert consumer.handle(sqs_event(body("e1"), body("e1"), body("e2"))) == {"batchItemFailures": []}
    assert consumer.handle(sqs_event(body("e2"), body("e1"))) == {"batchItemFailures": []}
    assert mailer.sent == ["e1", "e2"]


def test_a_poison_message_fails_alone_and_the_rest_of_the_batch_is_done():
    processed, mailer = MemoryProcessedEvents(), Mailer()
    consumer = notifications(processed, mailer)
    poison = ["not json", json.dumps({"id": "e9", "type": "payment_succeeded", "version": 2})]
    answer = consumer.handle(sqs_event(body("e1"), *poison, body("e2")))
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    assert mailer.sent == ["e1", "e2"]


def test_a_failed_effect_is_released_and_the_redelivery_performs_it():
    processed, mailer = MemoryProcessedEvents(), Mailer(failures=1)
    consumer = notifications(processed, mailer)
    assert consumer.handle(sqs_event(body("e1"), body("e2"))) == {
        "batchItemFailures": [{"itemIdentifier": "m0"}]
    }
    assert consumer.handle(sqs_event(body("e1"))) == {"batchItemFailures": []}
    assert mailer.sent == ["e2", "e1"]


def test_a_delivery_that_finds_a_claim_skips_it_at_most_once():
    processed, mailer = MemoryProcessedEvents(), Mailer()
    processed.claim("notifications", "e1")  # another delivery, sending (or died while sending)
    consumer = notifications(processed, mailer)
    assert consumer.handle(sqs_event(body("e1"), body("e2"))) == {"batchItemFailures": []}
    assert mailer.sent == ["e2"]  # that claim's send is never repeated


def test_types_a_consumer_does_not_handle_are_acknowledged_without_effect():
    processed, mailer = MemoryProcessedEvents(), Mailer()
    consumer = notifications(processed, mailer)
    assert consumer.handle(sqs_event(body("e1", "payment_failed"))) == {"batchItemFailures": []}
    assert mailer.sent == [] and processed.markers == {}


def test_a_message_still_in_its_sns_envelope_is_understood():
    envelope = {
        "Type": "Notification",
        "MessageId": "x",
        "TopicArn": "arn:aws:sns:us-east-1:1:t",
        "Message": body("e5"),
    }
    assert parse_bus_message(json.dumps(envelope)).id == "e5"
    with pytest.raises(ValueError):
        parse_bus_message(json.dumps({"Type": "Notification", "TopicArn": "t", "Message": "{}"}))
