"""template.yaml's wiring of refunds and of order data at rest, read from the template itself.

Order data (shipping addresses, stored order answers) is opened only by the functions that show an
address and sealed only by those that write one, each grant conditioned on the `shop-orders`
encryption context; the refunds consumer is wired like the other bus consumers.
"""

from __future__ import annotations

from typing import Any

import pytest

from shop_local.provisioning.template import load_template

ORDER_PURPOSE = {"StringEquals": {"kms:EncryptionContext:purpose": "shop-orders"}}
SHOWS_AN_ADDRESS = {
    "CheckoutFunction",
    "PayOrderFunction",
    "CancelOrderFunction",
    "GetOrderFunction",
    "ListMyOrdersFunction",
    "ListOrderEventsFunction",
    "ListAllOrdersFunction",
}


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return dict(load_template()["Resources"])


def statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for policy in function["Properties"].get("Policies", []):
        if isinstance(policy, dict) and "Statement" in policy:
            found += policy["Statement"]
    return found


def kms_grants(resources: dict[str, Any], action: str) -> dict[str, list[dict[str, Any]]]:
    grants: dict[str, list[dict[str, Any]]] = {}
    for name, resource in resources.items():
        if resource.get("Type") == "AWS::Serverless::Function":
            mine = [
                s
                for s in statements(resource)
                if action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
            ]
            if mine:
                grants[name] = mine
    return grants


def test_order_data_is_opened_and_sealed_only_where_an_address_is_shown_or_written(resources):
    opened = {
        n: g
        for n, g in kms_grants(resources, "kms:Decrypt").items()
        if any(s.get("Condition") == ORDER_PURPOSE for s in g)
    }
    sealed = {
        n: g
        for n, g in kms_grants(resources, "kms:GenerateDataKey").items()
        if any(s.get("Condition") == ORDER_PURPOSE for s in g)
    }
    assert set(opened) == SHOWS_AN_ADDRESS
    assert set(sealed) == {"CheckoutFunction", "PayOrderFunction"}  # new orders; sealed stored answers
    for name in (
        "RefundsFunction",
        "ExpireReservationsFunction",
        "CreateShipmentFunction",
        "ListOrderPaymentsFunction",
    ):
        policies = resources[name]["Properties"]["Policies"]
        assert "kms" not in repr(policies).lower() and "KMSDecryptPolicy" not in repr(policies), name


def test_the_idempotency_secret_is_read_only_by_checkout_and_payment(resources):
    readers = {
        name
        for name, r in resources.items()
        if r.get("Type") == "AWS::Serverless::Function"
        and "IdempotencySecret" in repr(r["Properties"].get("Policies"))
    }
    assert readers == {"CheckoutFunction", "PayOrderFunction"}
    assert "GenerateSecretString" in resources["IdempotencySecret"]["Properties"]


def test_refunds_are_a_bus_consumer_like_the_others(resources):
    subscription = resources["RefundsSubscription"]["Properties"]
    assert (
        subscription["FilterPolicy"] == {"type": ["order_cancelled"]} and subscription["RawMessageDelivery"]
    )
    assert subscription["Endpoint"] == {"Fn::GetAtt": ["RefundsQueue", "Arn"]}
    queue = resources["RefundsQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["RefundsDLQ", "Arn"]}
    statement = resources["RefundsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": "OrderEventsTopic"}}}
    source = resources["RefundsFunction"]["Properties"]["Events"]["OrderEvents"]
    assert source["Type"] == "SQS" and source["Properties"]["FunctionResponseTypes"] == [
        "ReportBatchItemFailures"
    ]
    assert source["Properties"]["Queue"] == {"Fn::GetAtt": ["RefundsQueue", "Arn"]}
    stats = resources["SalesStatsSubscription"]["Properties"]["FilterPolicy"]["type"]
    assert "payment_refunded" in stats  # revenue is net of refunds made
