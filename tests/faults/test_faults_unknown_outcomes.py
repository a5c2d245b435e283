"""Writes whose answer is lost: the transaction commits, the caller gets a 500 on every attempt.

This is what a timeout after the commit looks like to a Lambda. The order store then looks at what
it wrote (its first event, by id) instead of guessing: a landed payment is not voided, a landed
cancellation answers 200 with its refund owed (the refunds consumer makes it), a landed checkout
answers 201. Also: a cart add whose product check
cannot run after the line was written takes the line back, so a retried add does not add twice.
"""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.integration


def gateway():
    from shop.bootstrap import build_payment_gateway

    return build_payment_gateway()


def test_a_checkout_whose_answer_is_lost_answers_201_and_a_replay_makes_no_second_order(shop, faults):
    product = shop.product(stock=5)
    user, key = shop.buyer((product, 2)), uuid.uuid4().hex
    lost = faults.lose_responses(
        "dynamodb", "TransactWriteItems", matching=shop.stack.physical_id("OrdersTable")
    )

    status, order = shop.checkout(user, key)
    faults.clear()

    assert lost.injected == 1 and status == 201, order
    assert shop.checkout(user, key) == (201, order)
    assert [o.id for o in shop.orders_of(user)] == [order["id"]]
    assert shop.levels(product) == (3, 2, 0) and shop.cart_lines(user) == {}


def test_a_payment_whose_answer_is_lost_is_kept_not_voided(shop, faults):
    product = shop.product(stock=5)
    user = shop.buyer((product, 1))
    order_id = shop.checkout(user)[1]["id"]
    refunded_before = dict(gateway().refunded)
    faults.lose_responses("dynamodb", "TransactWriteItems", matching=shop.stack.physical_id("OrdersTable"))

    status, paid = shop.pay(user, order_id)
    faults.clear()

    assert status == 200 and paid["order"]["status"] == "PAID", paid
    history = shop.order_history(order_id)
    assert history.order.status == "PAID" and [p.status for p in history.payments] == ["SUCCEEDED"]
    assert gateway().refunded == refunded_before, "the charge of a paid order was given back"
    assert shop.levels(product) == (4, 0, 1)
    assert shop.audit_count("payment.succeeded", order_id) == 1


def test_a_cancellation_whose_answer_is_lost_answers_200_and_owes_the_refund(shop, faults):
    product = shop.product(stock=5)
    user = shop.buyer((product, 1))
    order_id = shop.checkout(user)[1]["id"]
    assert shop.pay(user, order_id)[0] == 200
    charge = shop.order_history(order_id).payments[0].charge_id
    faults.lose_responses("dynamodb", "TransactWriteItems", matching=shop.stack.physical_id("OrdersTable"))

    status, cancelled = shop.call(
        "POST", "/orders/{id}/cancel", user=user, role="customer", path={"id": order_id}
    )
    faults.clear()

    assert status == 200 and cancelled["status"] == "CANCELLED", cancelled
    history = shop.order_history(order_id)
    assert [p.status for p in history.payments] == ["REFUND_PENDING"] and charge not in gateway().refunded
    assert history.events[-1].data.refund_payment_id == history.payments[0].id  # the consumer's cue
    assert shop.levels(product) == (5, 0, 0)
    assert [e.seq for e in history.events] == [1, 2, 3]


def test_a_cart_add_whose_product_check_fails_takes_its_line_back(shop, faults):
    product = shop.product(stock=20)
    user = shop.buyer((product, 1))
    faults.throttle(
        "BatchGetItem", code="ThrottlingException", matching=shop.stack.physical_id("CatalogTable")
    )

    status, body = shop.call(
        "POST", "/cart/items", user=user, role="customer", body={"product_id": product, "quantity": 2}
    )
    faults.clear()

    assert (status, body["error"]["code"]) == (500, "INTERNAL")
    assert shop.cart_lines(user) == {product: 1}, "the failed add left its quantity in the cart"
    status, cart = shop.call(
        "POST", "/cart/items", user=user, role="customer", body={"product_id": product, "quantity": 2}
    )
    assert status == 200 and cart["items"][0]["quantity"] == 3


def test_a_transaction_whose_first_answer_is_lost_is_applied_once_when_botocore_resends_it(shop, faults):
    """A read timeout after the commit, then botocore's resend: the same ClientRequestToken, so the
    engine answers success without applying it again (before, the resend failed its own conditions:
    a fresh slug answered 409)."""
    lost = faults.lose_first_response(
        "dynamodb", "TransactWriteItems", matching=shop.stack.physical_id("CatalogTable")
    )
    slug = f"lost-{uuid.uuid4().hex[:10]}"

    status, made = shop.call("POST", "/categories", body={"name": "Lost answers", "slug": slug})
    faults.clear()

    assert lost.injected == 1 and status == 201, made
    status, listed = shop.call("GET", "/categories", role="anonymous")
    assert [c["id"] for c in listed["items"] if c["slug"] == slug] == [made["id"]]


def test_a_login_whose_first_answer_is_lost_starts_one_session(shop, faults):
    email, password = f"lost-{uuid.uuid4().hex[:10]}@example.com", "correct horse battery staple"
    body = {"email": email, "password": password}
    assert shop.call("POST", "/auth/register", role="anonymous", body=body | {"name": "Lo"})[0] == 201
    lost = faults.lose_first_response(
        "dynamodb", "TransactWriteItems", matching=shop.stack.physical_id("UsersTable")
    )

    status, session = shop.call("POST", "/auth/login", role="anonymous", body=body)
    faults.clear()

    assert lost.injected == 1 and status == 200, session
    refreshed = shop.call(
        "POST", "/auth/refresh", role="anonymous", body={"refresh_token": session["refresh_token"]}
    )
    assert refreshed[0] == 200, refreshed
