"""Faults on the refund path: RefundsQueue -> RefundsFunction -> payment gateway -> OrdersTable.

A paid order is cancelled through the real handler (payment REFUND_PENDING, an `order_cancelled`
event committed); the event, as the publisher makes it from the committed item, is sent to the
template's RefundsQueue, and the local SQS poller plays the template's event source mapping
(partial batch failures) on the real RefundsFunction. The mock gateway is this process's one
(`build_payment_gateway`), so its refunds are counted per charge.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from shop_local.event_mappings.poller import SqsPoller
from shop_local.event_mappings.sources import SqsSource, template_event_sources
from shop_local.lambda_runtime.containers import Functions

pytestmark = pytest.mark.integration


def gateway() -> Any:
    from shop.bootstrap import build_payment_gateway

    return build_payment_gateway()


@pytest.fixture
def refunds_poller(stack) -> Iterator[SqsPoller]:
    """The template's RefundsQueue -> RefundsFunction mapping, with failed messages visible again at
    once (not after 60 s) so that redelivery is counted in polls, not waited for; the queue starts
    empty, so every message polled is the test's own."""
    (source,) = [
        s for s in template_event_sources(stack.template, stack.resolve) if s.function_id == "RefundsFunction"
    ]
    assert isinstance(source, SqsSource) and source.report_item_failures
    assert source.queue_arn == stack.attribute("RefundsQueue", "Arn")
    sqs, url = boto3.client("sqs"), stack.physical_id("RefundsQueue")
    saved = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})
    while stale := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in stale:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    functions = Functions([stack.function("RefundsFunction")])
    try:
        yield SqsPoller(source, functions.invoke, sqs, stack.region, threading.Event())
    finally:
        sqs.set_queue_attributes(QueueUrl=url, Attributes=saved)


def cancelled_paid_order(shop) -> dict[str, Any]:
    product = shop.product(stock=5)
    user = shop.buyer((product, 2))
    status, order = shop.checkout(user)
    assert status == 201, order
    assert shop.pay(user, order["id"])[0] == 200
    status, cancelled = shop.call(
        "POST", "/orders/{id}/cancel", user=user, role="customer", path={"id": order["id"]}
    )
    assert status == 200 and cancelled["status"] == "CANCELLED", cancelled
    history = shop.order_history(order["id"])
    assert [p.status for p in history.payments] == ["REFUND_PENDING"]
    return {"order": order["id"], "charge": history.payments[0].charge_id, "seq": history.events[-1].seq}


def send_cancellation(shop, ctx: dict[str, Any], copies: int = 1) -> None:
    """The committed order_cancelled event, made into its bus message exactly as the publisher does."""
    from shop.domain.bus_messages import bus_message_from_order_event

    item = shop.item("OrdersTable", f"ORDER#{ctx['order']}", f"EVENT#{ctx['seq']:08d}")
    message = bus_message_from_order_event(item)
    assert message.type == "order_cancelled" and message.data["refund_pending"] is True
    attributes: Any = {"type": {"DataType": "String", "StringValue": message.type}}
    for _ in range(copies):
        boto3.client("sqs").send_message(
            QueueUrl=shop.stack.physical_id("RefundsQueue"),
            MessageBody=message.to_json(),
            MessageAttributes=attributes,
        )


def refund_state(shop, ctx: dict[str, Any]) -> tuple[list[str], list[str], int]:
    history = shop.order_history(ctx["order"])
    return (
        [p.status for p in history.payments],
        [e.type for e in history.events[ctx["seq"] :]],
        gateway().refunds_of(ctx["charge"]),
    )


def poll_until_empty(poller: SqsPoller, polls: int = 20) -> int:
    """Poll until the queue is empty; how many polls found a message."""
    for found in range(polls):
        if not poller.poll_once():
            return found
    raise AssertionError("RefundsQueue never emptied")


def test_a_gateway_outage_leaves_the_refund_pending_and_it_is_made_once_the_gateway_is_back(
    shop, refunds_poller
):
    ctx = cancelled_paid_order(shop)
    gateway().fail_refunds(3)
    send_cancellation(shop, ctx)
    for _ in range(3):
        assert refunds_poller.poll_once()
        assert refund_state(shop, ctx) == (["REFUND_PENDING"], [], 0)
    assert poll_until_empty(refunds_poller) == 1
    assert refund_state(shop, ctx) == (["REFUNDED"], ["payment_refunded"], 1)
    history = shop.order_history(ctx["order"])
    assert [e.seq for e in history.events] == list(
        range(1, ctx["seq"] + 2)
    ) and history.order.status == "CANCELLED"
    assert shop.audit_count("payment.refunded", ctx["order"]) == 1


def test_a_crash_after_the_gateway_refunded_but_before_the_commit_refunds_exactly_once(
    shop, faults, refunds_poller
):
    ctx = cancelled_paid_order(shop)
    send_cancellation(shop, ctx)
    commit_fails = faults.throttle("TransactWriteItems", matching=shop.stack.physical_id("OrdersTable"))
    assert refunds_poller.poll_once()
    faults.clear()
    assert commit_fails.injected >= 1
    assert refund_state(shop, ctx) == (["REFUND_PENDING"], [], 1)  # refunded at the gateway, not recorded
    assert poll_until_empty(refunds_poller) == 1  # the redelivery
    assert refund_state(shop, ctx) == (["REFUNDED"], ["payment_refunded"], 1)


def test_a_refund_whose_commit_answer_is_lost_is_recorded_once_and_not_redone(shop, faults, refunds_poller):
    ctx = cancelled_paid_order(shop)
    send_cancellation(shop, ctx)
    faults.lose_responses("dynamodb", "TransactWriteItems", matching=shop.stack.physical_id("OrdersTable"))
    assert poll_until_empty(refunds_poller) == 1  # the store saw its own event landed: no redelivery
    faults.clear()
    assert refund_state(shop, ctx) == (["REFUNDED"], ["payment_refunded"], 1)


def test_the_same_event_delivered_three_times_refunds_once(shop, refunds_poller):
    ctx = cancelled_paid_order(shop)
    send_cancellation(shop, ctx, copies=3)
    poll_until_empty(refunds_poller)
    assert refund_state(shop, ctx) == (["REFUNDED"], ["payment_refunded"], 1)
    send_cancellation(shop, ctx)  # and once more, long after
    assert poll_until_empty(refunds_poller) == 1
    assert refund_state(shop, ctx) == (["REFUNDED"], ["payment_refunded"], 1)
    assert shop.audit_count("payment.refunded", ctx["order"]) == 1
    history = shop.order_history(ctx["order"])
    assert (
        history.events[-1].data.amount_cents
        == history.payments[0].amount_cents
        == gateway().refunded[ctx["charge"]]
    )
