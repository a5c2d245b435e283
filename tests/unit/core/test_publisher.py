"""The stream publisher: order_event INSERTs become bus messages; only unpublished records are retried."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.exceptions import ClientError

from shop.adapters.sns_publisher import SnsBusPublisher
from shop.bootstrap import build_order_event_publisher
from shop.domain.bus_messages import BusMessage
from tests.fakes import RecordingBus, RecordingPaidListing

SAMPLE = Path(__file__).parents[3] / "events" / "events" / "publish_order_events.json"
CREATED_SEQ, PAID_SEQ = "100000000000000000002", "100000000000000000004"


def sample_event() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text())


def shipped_event() -> dict[str, Any]:
    """The sample's payment_succeeded record, as the shipment_created event of its order."""
    event = sample_event()
    event["Records"][3]["dynamodb"]["NewImage"]["type"] = {"S": "shipment_created"}
    return event


def test_a_shipment_takes_its_order_out_of_the_paid_list_before_it_is_published():
    bus, listing = RecordingBus(), RecordingPaidListing()
    assert build_order_event_publisher(bus=bus, paid_listing=listing).handle(shipped_event()) == {
        "batchItemFailures": []
    }
    assert listing.left == ["0f3a9c2e5b7d4e1f8a6b2c4d9e0f1a2b"]  # the shipment's order, once
    assert [m.type for m in bus.accepted] == ["order_created", "shipment_created"]


def test_a_paid_list_that_cannot_be_left_fails_the_shipments_record_and_it_is_not_published():
    bus = RecordingBus()
    listing = RecordingPaidListing(fail={"0f3a9c2e5b7d4e1f8a6b2c4d9e0f1a2b"})
    answer = build_order_event_publisher(bus=bus, paid_listing=listing).handle(shipped_event())
    assert answer == {"batchItemFailures": [{"itemIdentifier": PAID_SEQ}]}
    assert [m.type for m in bus.accepted] == ["order_created"]


def test_only_order_event_inserts_are_published_as_bus_messages():
    bus = RecordingBus()
    answer = build_order_event_publisher(bus=bus, paid_listing=RecordingPaidListing()).handle(sample_event())
    assert answer == {"batchItemFailures": []}
    assert [(m.type, m.seq) for m in bus.accepted] == [("order_created", 1), ("payment_succeeded", 2)]
    created = bus.accepted[0].as_dict()
    assert created["id"] == "5d0b7a2e-3c1f-4e8a-9b6d-2f4a8c0e1b3d"
    assert created["version"] == 1
    assert created["order_id"] == "0f3a9c2e5b7d4e1f8a6b2c4d9e0f1a2b"
    assert created["occurred_at"] == "2026-03-01T10:00:00.123Z"
    assert created["data"]["total_cents"] == 2999 and type(created["data"]["total_cents"]) is int
    assert created["data"]["items"][0]["quantity"] == 2
    assert "actor" not in created and "pk" not in json.dumps(created)


def test_a_message_the_bus_refuses_fails_exactly_its_record():
    bus = RecordingBus(reject={"9a7c5e3b-1d2f-4a6b-8c0e-4f2a6b8d0c1e"})
    answer = build_order_event_publisher(bus=bus, paid_listing=RecordingPaidListing()).handle(sample_event())
    assert answer == {"batchItemFailures": [{"itemIdentifier": PAID_SEQ}]}
    assert [m.type for m in bus.accepted] == ["order_created"]


def test_a_malformed_order_event_fails_alone_and_the_others_are_published():
    event = sample_event()
    del event["Records"][1]["dynamodb"]["NewImage"]["event_id"]
    bus = RecordingBus()
    answer = build_order_event_publisher(bus=bus, paid_listing=RecordingPaidListing()).handle(event)
    assert answer == {"batchItemFailures": [{"itemIdentifier": CREATED_SEQ}]}
    assert [m.type for m in bus.accepted] == ["payment_succeeded"]


def test_a_batch_whose_every_record_fails_fails_the_invocation():
    """Lambda then retries (and bisects) the batch; nothing is acknowledged."""
    event = sample_event()
    event["Records"] = [event["Records"][1]]
    bus = RecordingBus(reject={"5d0b7a2e-3c1f-4e8a-9b6d-2f4a8c0e1b3d"})
    with pytest.raises(BatchProcessingError):
        build_order_event_publisher(bus=bus, paid_listing=RecordingPaidListing()).handle(event)


def test_a_batch_without_order_events_publishes_nothing():
    event = sample_event()
    event["Records"] = [event["Records"][0], event["Records"][2]]
    removed = copy.deepcopy(event["Records"][1])
    removed["eventName"] = "REMOVE"
    event["Records"].append(removed)
    bus = RecordingBus()
    assert build_order_event_publisher(bus=bus, paid_listing=RecordingPaidListing()).handle(event) == {
        "batchItemFailures": []
    }
    assert bus.accepted == []


# ---------------------------------------------------------------- the SNS adapter
def message(n: int, kind: str = "order_created") -> BusMessage:
    return BusMessage(id=f"e{n}", type=kind, occurred_at="2026-03-01T10:00:00Z", order_id="o1", seq=n + 1)


class FakeSns:
    def __init__(self, fail_entries: set[str] | None = None, fail_calls: set[int] | None = None):
        self.calls: list[list[dict[str, Any]]] = []
        self.fail_entries = fail_entries or set()  # message ids SNS reports in Failed
        self.fail_calls = fail_calls or set()  # call numbers that raise

    def publish_batch(self, **request: Any) -> dict[str, Any]:
        entries = request["PublishBatchRequestEntries"]
        self.calls.append(entries)
        if len(self.calls) in self.fail_calls:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "PublishBatch")
        ok: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for entry in entries:
            bad = json.loads(entry["Message"])["id"] in self.fail_entries
            (failed if bad else ok).append({"Id": entry["Id"], "Code": "InternalError", "SenderFault": False})
        return {"Successful": [{"Id": f["Id"], "MessageId": "x"} for f in ok], "Failed": failed}


def test_sns_publishes_ten_per_call_with_the_type_attribute():
    sns = FakeSns()
    rejected = SnsBusPublisher(sns, "arn:aws:sns:us-east-1:1:t").publish([message(n) for n in range(25)])
    assert rejected == set()
    assert [len(call) for call in sns.calls] == [10, 10, 5]
    entry = sns.calls[2][4]
    assert json.loads(entry["Message"])["id"] == "e24"
    assert entry["MessageAttributes"] == {"type": {"DataType": "String", "StringValue": "order_created"}}
    assert len({e["Id"] for e in sns.calls[0]}) == 10


def test_sns_failed_entries_and_failed_calls_are_reported_by_message_id():
    sns = FakeSns(fail_entries={"e3"}, fail_calls={2})
    rejected = SnsBusPublisher(sns, "arn:aws:sns:us-east-1:1:t").publish([message(n) for n in range(25)])
    assert rejected == {"e3"} | {f"e{n}" for n in range(10, 20)}
