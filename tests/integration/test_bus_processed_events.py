"""Consumers' dedup markers on the emulator's ProcessedEventsTable: leases, completion, atomic markers."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from shop.adapters.processed_events.processed_events_dynamo import DynamoProcessedEvents, marker_key
from shop.services.event_consumer import claim_once
from shop_local.provisioning.provision import Stack

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def processed(stack: Stack, clock: Clock) -> DynamoProcessedEvents:
    return DynamoProcessedEvents(boto3.client("dynamodb"), stack.physical_id("ProcessedEventsTable"), clock)


def test_a_claim_is_final_until_its_holder_releases_it(processed):
    event = str(uuid.uuid4())
    token = processed.claim("mailer", event)
    assert token
    assert processed.claim("mailer", event) is None  # at most once: never taken over
    assert processed.claim("stats", event)  # another consumer has its own marker
    processed.release("mailer", event, "another token")  # a stranger's release changes nothing
    assert processed.claim("mailer", event) is None
    processed.release("mailer", event, token)  # the holder's release lets the effect run again
    assert processed.claim("mailer", event)


def test_a_marker_done_by_an_earlier_version_is_final(processed, clock, stack):
    event = str(uuid.uuid4())
    item = marker_key("mailer", event) | {"status": {"S": "DONE"}, "done_at": {"N": str(int(clock.now))}}
    boto3.client("dynamodb").put_item(TableName=stack.physical_id("ProcessedEventsTable"), Item=item)
    assert processed.claim("mailer", event) is None


def test_claim_once_runs_the_effect_once_even_when_deliveries_race(processed):
    event, sent = str(uuid.uuid4()), []

    def deliver(_: int) -> str:
        return "ran" if claim_once(processed, "mailer", event, lambda: sent.append(1)) else "skipped"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(deliver, range(8)))
    assert sent == [1] and outcomes.count("ran") == 1
    assert claim_once(processed, "mailer", event, lambda: sent.append(2)) is False


def test_a_failed_effect_releases_its_claim_at_once(processed):
    event = str(uuid.uuid4())

    def broken() -> None:
        raise ConnectionError("mail service down")

    with pytest.raises(ConnectionError):
        claim_once(processed, "mailer", event, broken)
    assert claim_once(processed, "mailer", event, lambda: None) is True


def counter_increment(stack: Stack, key: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": stack.physical_id("ProcessedEventsTable"),
            "Key": {"pk": {"S": "TEST#counter"}, "sk": {"S": key}},
            "UpdateExpression": "ADD hits :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }


def hits(stack: Stack, key: str) -> int:
    item = boto3.client("dynamodb").get_item(
        TableName=stack.physical_id("ProcessedEventsTable"),
        Key={"pk": {"S": "TEST#counter"}, "sk": {"S": key}},
        ConsistentRead=True,
    )["Item"]
    return int(item["hits"]["N"])


def test_an_effect_written_with_its_marker_happens_once_per_event(stack, processed):
    key, first, second = uuid.uuid4().hex, str(uuid.uuid4()), str(uuid.uuid4())
    results = [
        processed.write_once("stats", e, [counter_increment(stack, key)])
        for e in (first, first, second, first)
    ]
    assert results == [True, False, True, False]
    assert hits(stack, key) == 2


def test_an_effect_whose_own_condition_fails_is_an_error_not_a_duplicate(stack, processed):
    refused = counter_increment(stack, uuid.uuid4().hex)
    refused["Update"]["ConditionExpression"] = "attribute_exists(hits)"
    event = str(uuid.uuid4())
    with pytest.raises(ClientError):
        processed.write_once("stats", event, [refused])
    assert processed.claim("stats", event)  # no marker was left behind


def test_transaction_conflicts_are_retried_a_few_times_then_raised(stack, processed):
    from shop.adapters.processed_events.processed_events_dynamo import CONFLICT_ATTEMPTS
    from shop_local.engines.transaction_conflicts import transaction_conflicts

    key = uuid.uuid4().hex
    dynamodb = processed._ddb
    with transaction_conflicts(dynamodb, times=CONFLICT_ATTEMPTS - 1):
        assert processed.write_once("stats", str(uuid.uuid4()), [counter_increment(stack, key)]) is True
    with transaction_conflicts(dynamodb, times=CONFLICT_ATTEMPTS), pytest.raises(ClientError) as raised:
        processed.write_once("stats", str(uuid.uuid4()), [counter_increment(stack, key)])
    assert raised.value.response["CancellationReasons"][0]["Code"] == "TransactionConflict"
    assert hits(stack, key) == 1
