"""Faults on the event bus: SNS and SES outages, a consumer dying mid-batch, duplicates, disorder, DLQ, redrive.

Real functions (publisher, notifications, sales statistics) on the emulator's stream and queues,
driven by the local pollers as Lambda drives them; faults are injected into the clients the
functions use. Every check is per order or per recipient, so other tests' traffic does not matter.
"""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import sys
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from shop.adapters.aws import MAX_ATTEMPTS
from shop_local.event_mappings.poller import SqsPoller
from shop_local.event_mappings.sources import SqsSource, StreamSource, template_event_sources
from shop_local.event_mappings.stream_poller import StreamPoller
from shop_local.lambda_runtime.containers import FunctionFailed, Functions
from shop_tools.redrive import redrive

pytestmark = pytest.mark.integration
STATS_SAMPLE = Path("events/stats/project_sales_stats.json")
MAIL_SAMPLE = Path("events/notifications/send_order_emails.json")


# ------------------------------------------------------------------ helpers
def source_of(stack, function_id: str) -> Any:
    sources = [
        s for s in template_event_sources(stack.template, stack.resolve) if s.function_id == function_id
    ]
    assert len(sources) == 1
    return sources[0]


@pytest.fixture
def fast_queue(stack) -> Iterator[Any]:
    """Make a consumer queue hand a failed message back at once (not after 60 s); restored after.
    Queues are not purged (SQS allows one purge a minute): every check filters by its own ids."""
    sqs, changed = boto3.client("sqs"), []

    def make(logical_id: str) -> str:
        url = stack.physical_id(logical_id)
        saved = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})
        changed.append((url, saved))
        return url

    yield make
    for url, saved in changed:
        sqs.set_queue_attributes(QueueUrl=url, Attributes=saved)


def sqs_poller(stack, function_id: str, queue: str, invoke=None) -> SqsPoller:
    source = source_of(stack, function_id)
    assert isinstance(source, SqsSource) and source.queue_arn.endswith(queue)
    functions = Functions([stack.function(function_id)])
    return SqsPoller(source, invoke or functions.invoke, boto3.client("sqs"), stack.region, threading.Event())


def drain(poller: SqsPoller, rounds: int = 40) -> None:
    for _ in range(rounds):
        if not poller.poll_once():
            return
    raise AssertionError("the queue never emptied")


def dead_letters(stack, dlq: str) -> list[dict[str, Any]]:
    """The DLQ's messages, left in place (visible again at once)."""
    sqs, url = boto3.client("sqs"), stack.physical_id(dlq)
    found: dict[str, dict[str, Any]] = {}
    for _ in range(5):
        answer = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=1
        )
        for message in answer.get("Messages") or []:
            found[message["MessageId"]] = dict(message)
            sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        if not answer.get("Messages"):
            break
    return list(found.values())


def a_day() -> str:
    return f"{random.randint(1990, 2019)}-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}"


def order_story(day: str) -> list[dict[str, Any]]:
    """created, paid, cancelled, refunded: the sample's second order, as a fresh order on `day`."""
    samples = [json.loads(r["body"]) for r in json.loads(STATS_SAMPLE.read_text())["Records"]]
    story = [copy.deepcopy(b) for b in samples if b["order_id"].startswith("1a2b3c")]
    order_id = uuid.uuid4().hex
    for body in story:
        body |= {
            "id": str(uuid.uuid4()),
            "order_id": order_id,
            "occurred_at": f"{day}T1{body['seq']}:00:00.000Z",
        }
    return sorted(story, key=lambda b: b["seq"])


def sqs_event(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    template = json.loads(STATS_SAMPLE.read_text())["Records"][0]
    records = []
    for body in bodies:
        record = copy.deepcopy(template)
        record |= {"messageId": str(uuid.uuid4()), "body": json.dumps(body)}
        record["messageAttributes"]["type"]["stringValue"] = body["type"]
        records.append(record)
    return {"Records": records}


def day_stats(shop, day: str) -> dict[str, Any]:
    item = shop.item("StatsTable", "SALES", f"DAY#{day}") or {}
    skip = {"pk", "sk", "date", "day", "updated_at"}
    return {k: v for k, v in item.items() if k not in skip and v != 0}  # an absent count is a zero


def make_customer(email: str) -> str:
    from shop.bootstrap import build_users
    from shop.domain.users import User, new_user_id

    user = User(new_user_id(), email, "Ada", "customer", False, datetime.now(UTC), "not-a-real-hash")
    build_users().create(user, email_index=uuid.uuid4().hex)
    return user.id


def mail_bodies(user_id: str) -> list[dict[str, Any]]:
    """Two emailed events (order_created, payment_succeeded) of a fresh order of `user_id`."""
    bodies = []
    order_id = uuid.uuid4().hex
    for record in json.loads(MAIL_SAMPLE.read_text())["Records"][:2]:
        body = json.loads(record["body"]) | {"id": str(uuid.uuid4()), "order_id": order_id}
        body["data"]["user_id"] = user_id
        bodies.append(body)
    return bodies


def outbox(stack, to: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{stack.endpoint_url}/_aws/ses", timeout=10) as answer:
        messages = json.load(answer)["messages"]
    return [m for m in messages if to in m["Destination"].get("ToAddresses", [])]


def send(stack, queue: str, bodies: list[dict[str, Any]]) -> None:
    sqs = boto3.client("sqs")
    for body in bodies:
        attributes: Any = {"type": {"DataType": "String", "StringValue": body["type"]}}
        sqs.send_message(
            QueueUrl=stack.physical_id(queue), MessageBody=json.dumps(body), MessageAttributes=attributes
        )


# ------------------------------------------------------------------ SNS
def test_an_sns_outage_is_retried_from_the_stream_and_delivers_each_event_once(
    stack, shop, faults, fast_queue
):
    publisher = source_of(stack, "OrderEventsPublisherFunction")
    assert isinstance(publisher, StreamSource)
    functions = Functions([stack.function("OrderEventsPublisherFunction")])
    poller = StreamPoller(
        replace(publisher, starting_position="LATEST"),
        functions.invoke,
        stack.client,
        stack.account_id,
        stack.region,
        threading.Event(),
    )
    stats_queue = fast_queue("SalesStatsQueue")
    outage = faults.throttle("PublishBatch", times=8, code="Throttling", service="sns")  # two invocations
    product = shop.product(stock=3)
    user = shop.buyer((product, 1))
    order_id = shop.checkout(user)[1]["id"]

    while poller.poll_once():
        pass

    assert outage.injected == 8
    created = shop.order_history(order_id).events[0].event_id
    sqs, seen = boto3.client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=stats_queue, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            sqs.delete_message(QueueUrl=stats_queue, ReceiptHandle=message["ReceiptHandle"])
            body = json.loads(message["Body"])
            if body["order_id"] == order_id:
                seen.append(body["id"])
    assert seen == [created]
    assert not [m for m in dead_letters(stack, "PublisherDLQ") if order_id in m["Body"]]


# ------------------------------------------------------------------ SES, DLQ and redrive
def test_an_ses_failure_fails_only_its_record_reaches_the_dlq_and_a_redrive_sends_it_once(
    stack, faults, fast_queue
):
    fast_queue("NotificationsQueue")
    tag = uuid.uuid4().hex[:8]
    good, bad = f"good-{tag}@example.com", f"bad-{tag}@example.com"
    good_mails, bad_mails = mail_bodies(make_customer(good)), mail_bodies(make_customer(bad))
    send(stack, "NotificationsQueue", [good_mails[0], bad_mails[0], good_mails[1]])
    refused = faults.throttle("SendEmail", code="TooManyRequestsException", service="sesv2", matching=bad)
    poller = sqs_poller(stack, "NotificationsFunction", "NotificationsQueue")

    drain(poller)

    assert len(outbox(stack, good)) == 2 and outbox(stack, bad) == []
    dead = dead_letters(stack, "NotificationsDLQ")
    assert [json.loads(m["Body"])["id"] for m in dead] == [bad_mails[0]["id"]]
    assert int(dead[0]["Attributes"]["ApproximateReceiveCount"]) >= 5
    assert refused.injected >= 5 * MAX_ATTEMPTS  # five receives, every attempt of the retry policy each

    faults.clear()
    moved = redrive(boto3.client("sqs"), stack.physical_id("NotificationsDLQ"))
    assert moved.moved == 1 and moved.source_url == stack.physical_id("NotificationsQueue")
    drain(poller)
    send(stack, "NotificationsQueue", [bad_mails[0]])  # and a duplicate delivery on top
    drain(poller)

    assert len(outbox(stack, bad)) == 1 and len(outbox(stack, good)) == 2
    assert dead_letters(stack, "NotificationsDLQ") == []


def test_the_redrive_command_moves_a_dead_letter_back_by_logical_id(stack, fast_queue):
    queue = fast_queue("SalesStatsQueue")
    sqs, body = boto3.client("sqs"), json.dumps({"id": str(uuid.uuid4())})
    sqs.send_message(QueueUrl=stack.physical_id("SalesStatsDLQ"), MessageBody=body)
    env = os.environ | {"AWS_ENDPOINT_URL": stack.endpoint_url}
    command = [
        sys.executable,
        "-m",
        "shop_tools.redrive",
        "SalesStatsDLQ",
        "--emulator-url",
        stack.endpoint_url,
    ]

    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    refused = subprocess.run(
        [*command[:3], "PublisherDLQ"], env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert done.returncode == 0 and "moved 1 message" in done.stdout, done.stderr
    back = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=30)["Messages"]
    assert body in [m["Body"] for m in back]
    for message in back:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    assert refused.returncode == 1 and "stream batch" in refused.stderr


# ------------------------------------------------------------------ consumer crash mid-batch
def test_a_record_that_fails_mid_batch_is_the_only_one_to_come_back(stack, shop, faults):
    from shop_local.lambda_runtime.containers import FunctionPool

    stats = FunctionPool(stack.function("SalesStatsFunction"))
    day = a_day()
    stories = [order_story(day) for _ in range(4)]
    batch = sqs_event([story[0] for story in stories])  # four order_created events
    broken = stories[2][0]["order_id"]
    faults.throttle("TransactWriteItems", matching=f"ORDER#{broken}")

    answer = stats.invoke(batch)
    faults.clear()

    assert answer == {"batchItemFailures": [{"itemIdentifier": batch["Records"][2]["messageId"]}]}
    assert day_stats(shop, day).get("status_PENDING_PAYMENT") == 3
    assert stats.invoke({"Records": [batch["Records"][2]]}) == {"batchItemFailures": []}
    assert stats.invoke(copy.deepcopy(batch)) == {"batchItemFailures": []}  # all again: duplicates
    assert day_stats(shop, day).get("status_PENDING_PAYMENT") == 4


def test_a_consumer_that_dies_mid_batch_gets_the_batch_again_and_counts_each_event_once(
    stack, shop, fast_queue
):
    queue = fast_queue("SalesStatsQueue")
    day, reference_day = a_day(), a_day()
    stories = [order_story(day) for _ in range(3)]
    send(stack, "SalesStatsQueue", [event for story in stories for event in story])
    functions, deaths = Functions([stack.function("SalesStatsFunction")]), list[int]()

    def dies_after_two_records(function_id: str, event: dict[str, Any]) -> Any:
        if not deaths and len(event["Records"]) > 2:
            deaths.append(len(event["Records"]))
            functions.invoke(function_id, {"Records": event["Records"][:2]})
            raise FunctionFailed(f"{function_id}: Runtime.ExitError: killed mid-batch")
        return functions.invoke(function_id, event)

    drain(sqs_poller(stack, "SalesStatsFunction", "SalesStatsQueue", dies_after_two_records))
    for story in (order_story(reference_day) for _ in range(3)):
        functions.invoke("SalesStatsFunction", sqs_event(story))

    assert (
        deaths
        and int(
            boto3.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"][
                "ApproximateNumberOfMessages"
            ]
        )
        == 0
    )
    assert day_stats(shop, day) == day_stats(shop, reference_day) != {}


# ------------------------------------------------------------------ duplicates and disorder
def test_duplicate_and_out_of_order_deliveries_make_one_effect(stack, shop):
    from shop_local.lambda_runtime.containers import FunctionPool

    stats, mails = (
        FunctionPool(stack.function("SalesStatsFunction")),
        FunctionPool(stack.function("NotificationsFunction")),
    )
    day, reference_day = a_day(), a_day()
    created, paid, cancelled, refunded = order_story(day)
    for body in (refunded, cancelled, paid, refunded, cancelled, created, paid, created):
        assert stats.invoke(sqs_event([body])) == {"batchItemFailures": []}
    stats.invoke(sqs_event(order_story(reference_day)))
    assert day_stats(shop, day) == day_stats(shop, reference_day) != {}

    email = f"once-{uuid.uuid4().hex[:8]}@example.com"
    confirmation, receipt = mail_bodies(make_customer(email))
    for body in (receipt, confirmation, receipt, confirmation):
        assert mails.invoke(sqs_event([body])) == {"batchItemFailures": []}
    assert sorted(m["Subject"].split(" ")[0] for m in outbox(stack, email)) == ["Payment", "We"]
