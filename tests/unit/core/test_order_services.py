"""Checkout, payment, cancellation and reservation expiry against in-memory fakes of their ports.

The fake order store (tests.fakes.MemoryOrders) applies a change all-or-nothing with the same
conditions as the DynamoDB adapter (order version, free event seq, stock levels, frozen price,
foreign elements such as the cart's delete), so the services' retry and refusal paths run for real. `OrderLifecycle` (hypothesis, stateful) drives
random carts, checkouts, racing payments, cancellations and expiries and checks the order and
stock invariants after every step.
"""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from shop.adapters.payment_gateway_mock import MockPaymentGateway
from shop.domain.bus_messages import BusMessage
from shop.domain.callers import Caller
from shop.domain.cart import CartOwner
from shop.domain.order_lines import PostalAddress
from shop.domain.orders import MAX_OPEN_ORDERS, OrderEvent, fold
from shop.domain.payments import Card, Payment
from shop.errors import (
    CartEmpty,
    Conflict,
    Contention,
    InvalidTransition,
    NotFound,
    OutOfStock,
    TooManyOpenOrders,
)
from shop.services.checkout import CheckoutService
from shop.services.order_ports import GatewayUnavailable
from shop.services.orders import OrderQueries
from shop.services.orders_cancel import CancelService
from shop.services.payments import PaymentService
from shop.services.refunds import RefundPayments
from shop.services.reservation_expiry import ReservationExpiry
from tests.fakes import MemoryCarts, MemoryOrders, MemoryShelves, RecordingAudit, Shelf

NOW = datetime(2030, 1, 1, tzinfo=UTC)
ALICE, BOB = Caller("alice", "customer"), Caller("bob", "customer")
ADMIN, GUEST = Caller("root", "admin"), Caller("g_1", "guest")
ADDRESS = PostalAddress(name="A", line1="1 Road", city="X", postal_code="1", country="DE")
GOOD, DECLINED, BROKE = "4242424242424242", "4000000000000002", "4000000000009995"


def card(number: str = GOOD) -> Card:
    return Card(number, 12, 2035, "123")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def shop():
    @dataclass
    class Shop:
        clock: Clock = field(default_factory=Clock)
        carts: MemoryCarts = field(default_factory=MemoryCarts)
        catalog: MemoryShelves = field(
            default_factory=lambda: MemoryShelves(mug=Shelf(1000, 10), pen=Shelf(250, 3))
        )
        gateway: MockPaymentGateway = field(default_factory=MockPaymentGateway)
        audit: RecordingAudit = field(default_factory=RecordingAudit)

        def __post_init__(self):
            self.orders = MemoryOrders(self.catalog)
            no_wait = lambda _: None  # noqa: E731
            self.checkout = CheckoutService(self.carts, self.catalog, self.orders, 900, self.clock, no_wait)
            self.payments = PaymentService(self.orders, self.gateway, self.audit, self.clock, no_wait)
            self.cancels = CancelService(self.orders, self.audit, self.clock, no_wait)
            self.expiry = ReservationExpiry(self.orders, self.cancels, self.clock)
            self.queries = OrderQueries(self.orders)
            self.refunds = RefundPayments(self.orders, self.gateway, self.audit, self.clock, no_wait)

        def buy(self, caller=ALICE, **lines):
            self.carts.fill(caller.id, **lines)
            return self.checkout.checkout(caller, ADDRESS)

        def conserved(self):
            return {pid: shelf.total for pid, shelf in self.catalog.shelves.items()}

    return Shop()


def levels(shop, pid):
    s = shop.catalog.shelves[pid]
    return s.available, s.reserved, s.sold


def assert_folds(shop, order_id):
    assert fold(shop.orders.events[order_id]) == shop.orders.orders[order_id]


def test_checkout_reserves_every_line_freezes_prices_and_empties_the_cart(shop):
    order = shop.buy(mug=2, pen=1)
    assert order.status == "PENDING_PAYMENT" and order.user_id == "alice"
    assert [(i.product_id, i.unit_price_cents, i.line_total_cents) for i in order.items] == [
        ("mug", 1000, 2000),
        ("pen", 250, 250),
    ]
    assert (order.subtotal_cents, order.shipping_cents, order.total_cents) == (2250, 499, 2749)
    assert order.reservation_expires_at == "2030-01-01T00:15:00.000Z"
    assert levels(shop, "mug") == (8, 2, 0) and levels(shop, "pen") == (2, 1, 0)
    assert "alice" not in shop.carts.carts
    assert_folds(shop, order.id)


def test_checkout_refuses_empty_carts(shop):
    """Guests are refused by the route's access declaration, before any service runs."""
    with pytest.raises(CartEmpty):
        shop.checkout.checkout(ALICE, ADDRESS)


def test_out_of_stock_names_every_short_line_and_reserves_nothing(shop):
    shop.catalog.shelves["mug"].available = 1
    before = shop.conserved()
    with pytest.raises(OutOfStock) as refused:
        shop.buy(mug=2, pen=5)
    assert refused.value.details == [
        {"product_id": "mug", "requested": 2, "available": 1},
        {"product_id": "pen", "requested": 5, "available": 3},
    ]
    assert levels(shop, "mug") == (1, 0, 0) and levels(shop, "pen") == (3, 0, 0)
    assert shop.orders.orders == {} and "alice" in shop.carts.carts and shop.conserved() == before


def test_lines_the_cart_does_not_show_are_left_out_of_the_order_and_go_with_the_cart(shop):
    """A product gone, off sale, or in another currency than the cart's oldest line: GET /cart leaves
    the line out, and so does checkout, rather than refusing what the customer cannot see."""
    shop.catalog.shelves["pen"].status = "ARCHIVED"
    shop.catalog.shelves["tea"] = Shelf(450, 5, currency="EUR")
    order = shop.buy(mug=1, pen=1, ghost=1, tea=1)
    assert [(line.product_id, line.quantity) for line in order.items] == [("mug", 1)]
    assert order.currency == "USD" and order.subtotal_cents == 1000
    assert (
        levels(shop, "mug") == (9, 1, 0)
        and levels(shop, "pen") == (3, 0, 0)
        and levels(shop, "tea") == (5, 0, 0)
    )
    assert "alice" not in shop.carts.carts


def test_a_cart_with_no_line_on_sale_is_empty_to_checkout_and_kept(shop):
    shop.catalog.shelves["pen"].status = "DRAFT"
    before = shop.conserved()
    with pytest.raises(CartEmpty):
        shop.buy(pen=2, ghost=1)
    assert shop.orders.orders == {} and shop.conserved() == before and levels(shop, "pen") == (3, 0, 0)
    assert [line.product_id for line in shop.carts.carts["alice"].lines] == ["pen", "ghost"]


def test_a_product_taken_off_sale_between_read_and_commit_is_left_out_on_the_retry(shop):
    shop.orders.before_commit.append(lambda: setattr(shop.catalog.shelves["pen"], "status", "ARCHIVED"))
    order = shop.buy(mug=1, pen=1)
    assert [line.product_id for line in order.items] == ["mug"] and levels(shop, "pen") == (3, 0, 0)


def test_stock_taken_between_read_and_commit_is_reported_from_the_transaction(shop):
    shop.orders.before_commit.append(lambda: setattr(shop.catalog.shelves["mug"], "available", 1))
    with pytest.raises(OutOfStock) as refused:
        shop.buy(mug=2)
    assert refused.value.details == [{"product_id": "mug", "requested": 2, "available": 1}]


def sharded(shop, *units):
    shop.catalog.shelves["lamp"] = Shelf(3000, *units)
    return shop.catalog.shelves["lamp"]


def test_a_line_reserves_from_one_shard_holding_enough_and_the_order_records_it(shop):
    lamp = sharded(shop, 1, 5, 2, 4)
    order = shop.buy(lamp=3)
    [(shard, units)] = order.items[0].reserved_shards()
    assert shard in (1, 3) and units == 3
    assert [(s.available, s.reserved) for s in lamp.shards][shard] == ((5, 4)[shard == 3] - 3, 3)
    shop.payments.pay(ALICE, order.id, card())
    assert (lamp.shards[shard].reserved, lamp.shards[shard].sold) == (0, 3)
    shop.cancels.cancel(ALICE, order.id)
    assert [s.available for s in lamp.shards] == [1, 5, 2, 4] and lamp.sold == 0


def test_buyers_of_a_sharded_product_spread_over_its_shards(shop):
    lamp = sharded(shop, 10, 10, 10, 10)
    for number in range(20):
        shop.buy(caller=Caller(f"c{number}", "customer"), lamp=1)
    assert lamp.reserved == 20 and sum(1 for s in lamp.shards if s.reserved) >= 2


def test_checkout_reads_two_shards_of_a_sharded_product_when_either_can_serve_the_line(shop):
    lamp = sharded(shop, 10, 10, 10, 10, 10, 10)
    order = shop.buy(lamp=3)
    assert shop.catalog.reads == [("lamp",)]  # two of its six shards, with the product
    [(shard, units)] = order.items[0].reserved_shards()
    assert units == 3 and lamp.shards[shard].reserved == 3


def test_every_shard_is_read_when_neither_of_the_two_can_serve_the_line_alone(shop):
    lamp = sharded(shop, 1, 1, 1, 1, 1, 1)
    order = shop.buy(lamp=2)
    assert shop.catalog.reads == [("lamp",), ("lamp", "*")]
    assert sorted(order.items[0].reserved_shards()) == [(0, 1), (1, 1)] and lamp.reserved == 2
    with pytest.raises(OutOfStock) as refused:  # said only from a read of every shard
        shop.buy(caller=BOB, lamp=5)
    assert refused.value.details == [{"product_id": "lamp", "requested": 5, "available": 4}]
    assert shop.catalog.reads[-1] == ("lamp", "*")


def test_a_product_gone_between_the_two_reads_is_out_of_stock(shop):
    sharded(shop, 1, 1, 1, 1)

    def gone(product_ids, *, every_shard=False):
        if every_shard:
            return {}
        return read(product_ids)

    read, shop.catalog.products_for_checkout = shop.catalog.products_for_checkout, gone
    with pytest.raises(OutOfStock) as refused:
        shop.buy(lamp=2)
    assert refused.value.details == [{"product_id": "lamp", "requested": 2, "available": 0}]


def test_a_line_larger_than_any_shard_takes_several_in_one_order(shop):
    lamp = sharded(shop, 2, 3, 1)
    order = shop.buy(lamp=5)
    assert sorted(order.items[0].reserved_shards()) == [(0, 2), (1, 3)]
    assert [(s.available, s.reserved) for s in lamp.shards] == [(0, 2), (0, 3), (1, 0)]
    with pytest.raises(OutOfStock) as refused:
        shop.buy(caller=BOB, lamp=2)
    assert refused.value.details == [{"product_id": "lamp", "requested": 2, "available": 1}]


def test_a_shard_emptied_before_the_commit_sends_the_line_to_another_shard(shop):
    lamp = sharded(shop, 3, 3)

    def someone_empties_both_but_one_unit() -> None:
        lamp.shards[0].available, lamp.shards[1].available = 0, 1

    shop.orders.before_commit.append(someone_empties_both_but_one_unit)
    order = shop.buy(lamp=1)
    assert order.items[0].reserved_shards() == [(1, 1)] and lamp.shards[1].reserved == 1


def test_conflicts_and_price_changes_are_retried_then_the_new_price_is_frozen(shop):
    shop.orders.busy = 2
    shop.orders.before_commit.append(lambda: setattr(shop.catalog.shelves["mug"], "price", 1200))
    order = shop.buy(mug=1)
    assert order.items[0].unit_price_cents == 1200 and levels(shop, "mug") == (9, 1, 0)


def test_a_price_changed_before_the_commit_is_read_again_and_frozen(shop):
    shop.orders.before_commit.append(lambda: setattr(shop.catalog.shelves["mug"], "price", 1200))
    order = shop.buy(mug=1)
    assert order.items[0].unit_price_cents == 1200 and shop.orders.commits == 1
    assert levels(shop, "mug") == (9, 1, 0)


def test_a_cart_changed_during_checkout_is_read_again(shop):
    shop.carts.fill("alice", mug=1)
    shop.orders.before_commit.append(lambda: shop.carts.fill("alice", mug=3))
    assert shop.checkout.checkout(ALICE, ADDRESS).items[0].quantity == 3


def test_endless_conflicts_end_in_a_409_conflict_with_nothing_reserved(shop):
    shop.orders.busy = 100
    with pytest.raises(Conflict) as refused:
        shop.buy(mug=1)
    assert isinstance(refused.value, Contention) and refused.value.code == "CONFLICT"
    assert levels(shop, "mug") == (10, 0, 0)


def test_a_declined_card_records_a_failed_payment_and_the_order_stays_payable(shop):
    order = shop.buy(mug=1)
    failed = shop.payments.pay(ALICE, order.id, card(DECLINED))
    assert failed.payment.status == "FAILED" and failed.payment.failure_reason == "card_declined"
    assert failed.order.status == "PENDING_PAYMENT" and failed.order.version == 2
    broke = shop.payments.pay(ALICE, order.id, card(BROKE))
    assert broke.payment.failure_reason == "insufficient_funds"
    paid = shop.payments.pay(ALICE, order.id, card())
    assert (
        paid.payment.status == "SUCCEEDED"
        and paid.payment.card_brand == "visa"
        and paid.payment.card_last4 == "4242"
    )
    assert paid.order.status == "PAID" and levels(shop, "mug") == (9, 0, 1)
    assert [e.type for e in shop.orders.events[order.id]] == [
        "order_created",
        "payment_failed",
        "payment_failed",
        "payment_succeeded",
    ]
    assert [e["action"] for e in shop.audit.entries] == [
        "payment.failed",
        "payment.failed",
        "payment.succeeded",
    ]
    assert all("4242424242424242" not in repr(e) for e in shop.audit.entries)
    assert_folds(shop, order.id)
    with pytest.raises(InvalidTransition):
        shop.payments.pay(ALICE, order.id, card())


def test_only_the_owner_can_pay(shop):
    order = shop.buy(mug=1)
    for caller in (BOB, ADMIN):
        with pytest.raises(NotFound):
            shop.payments.pay(caller, order.id, card())
    with pytest.raises(NotFound):
        shop.payments.pay(ALICE, "nope", card())
    assert shop.gateway.charged == {}


def test_a_payment_that_loses_the_race_is_refunded_and_answered_409(shop):
    order = shop.buy(mug=1)

    def concurrent_payment():
        shop.payments.pay(ALICE, order.id, card())

    shop.orders.before_commit.append(concurrent_payment)
    with pytest.raises(InvalidTransition):
        shop.payments.pay(ALICE, order.id, card())
    assert len(shop.gateway.charged) == 2 and len(shop.gateway.refunded) == 1
    winner = next(p for p in shop.orders.payments[order.id] if p.status == "SUCCEEDED")
    assert set(shop.gateway.refunded) == set(shop.gateway.charged) - {winner.charge_id}
    assert [p.status for p in shop.orders.payments[order.id]] == ["SUCCEEDED"]
    assert levels(shop, "mug") == (9, 0, 1) and "payment.voided" in [e["action"] for e in shop.audit.entries]


def test_a_failed_payment_racing_another_failure_is_recorded_after_a_retry(shop):
    order = shop.buy(mug=1)
    shop.orders.before_commit.append(lambda: shop.payments.pay(ALICE, order.id, card(DECLINED)))
    result = shop.payments.pay(ALICE, order.id, card(BROKE))
    assert result.order.version == 3 and result.payment.status == "FAILED"
    assert_folds(shop, order.id)


def test_an_expired_reservation_cannot_be_paid(shop):
    order = shop.buy(mug=1)
    shop.clock.now += timedelta(seconds=901)
    with pytest.raises(InvalidTransition):
        shop.payments.pay(ALICE, order.id, card())
    assert shop.gateway.charged == {}


def test_a_payment_after_the_window_cancels_the_order_as_the_sweep_would(shop):
    """The order is never seen PENDING_PAYMENT and unpayable for long: the refused payment
    itself cancels it (reason RESERVATION_EXPIRED, stock released), before the sweep comes by."""
    before = shop.conserved()
    order = shop.buy(mug=2)
    paying = PaymentService(
        shop.orders, shop.gateway, shop.audit, shop.clock, lambda _: None, shop.cancels.expire
    )
    shop.clock.now += timedelta(seconds=901)
    with pytest.raises(InvalidTransition) as refused:
        paying.pay(ALICE, order.id, card())
    assert "CANCELLED" in refused.value.message and shop.gateway.charged == {}
    assert shop.orders.events[order.id][-1].data.reason == "RESERVATION_EXPIRED"
    assert levels(shop, "mug") == (10, 0, 0) and shop.conserved() == before
    assert_folds(shop, order.id)


def test_cancelling_a_pending_order_releases_its_stock(shop):
    before = shop.conserved()
    order = shop.buy(mug=2)
    cancelled = shop.cancels.cancel(ALICE, order.id)
    assert (
        cancelled.status == "CANCELLED" and levels(shop, "mug") == (10, 0, 0) and shop.conserved() == before
    )
    event = shop.orders.events[order.id][-1]
    assert (
        event.type == "order_cancelled"
        and event.data.reason == "CUSTOMER"
        and event.data.refund_pending is False
    )
    with pytest.raises(InvalidTransition):
        shop.cancels.cancel(ALICE, order.id)
    assert_folds(shop, order.id)


def bus_message(event: OrderEvent) -> BusMessage:
    data = event.data.plain()
    return BusMessage(
        id=event.event_id,
        type=event.type,
        occurred_at=event.occurred_at,
        order_id=event.order_id,
        seq=event.seq,
        data=data,
    )


def paid_then_cancelled(shop) -> tuple[Payment, BusMessage]:
    """A paid order of two mugs, cancelled: its payment and the order_cancelled event as the bus has it."""
    order = shop.buy(mug=2)
    paid = shop.payments.pay(ALICE, order.id, card()).payment
    shop.cancels.cancel(ALICE, order.id)
    return paid, bus_message(shop.orders.events[order.id][-1])


def payment_statuses(shop, order_id):
    return [p.status for p in shop.orders.payments[order_id]]


def test_cancelling_a_paid_order_restocks_at_once_and_leaves_the_refund_owed(shop):
    before = shop.conserved()
    order = shop.buy(mug=2)
    paid = shop.payments.pay(ALICE, order.id, card())
    cancelled = shop.cancels.cancel(ADMIN, order.id)
    assert (
        cancelled.status == "CANCELLED" and levels(shop, "mug") == (10, 0, 0) and shop.conserved() == before
    )
    assert [p.status for p in shop.queries.payments(ALICE, order.id)] == ["REFUND_PENDING"]
    assert shop.gateway.refunds == [], "the request path refunded"
    event = shop.orders.events[order.id][-1]
    assert event.data.reason == "ADMIN" and event.data.refund_amount_cents == 2499
    assert event.data.refund_pending is True and event.data.refund_payment_id == paid.payment.id
    assert [e["action"] for e in shop.audit.entries][-2:] == ["payment.refund_requested", "order.cancelled"]
    assert_folds(shop, order.id)


def test_the_refunds_consumer_refunds_at_the_gateway_then_records_payment_refunded(shop):
    paid, cancelled = paid_then_cancelled(shop)
    assert shop.refunds.settle(cancelled) is True
    assert payment_statuses(shop, paid.order_id) == ["REFUNDED"]
    assert shop.gateway.refunded == {paid.charge_id: 2499}
    events = shop.orders.events[paid.order_id]
    assert [(e.seq, e.type) for e in events][-2:] == [(3, "order_cancelled"), (4, "payment_refunded")]
    assert events[-1].data.amount_cents == 2499 and events[-1].actor.role == "system"
    assert [e["action"] for e in shop.audit.entries][-1] == "payment.refunded"
    assert_folds(shop, paid.order_id)


def test_a_refund_waits_out_a_gateway_outage_pending_and_is_made_once_it_ends(shop):
    paid, cancelled = paid_then_cancelled(shop)
    shop.gateway.fail_refunds(3)
    for _ in range(3):  # SQS delivers the record again after each failure
        with pytest.raises(GatewayUnavailable):
            shop.refunds.settle(cancelled)
        assert payment_statuses(shop, paid.order_id) == ["REFUND_PENDING"]
        assert shop.orders.events[paid.order_id][-1].type == "order_cancelled"
    assert shop.refunds.settle(cancelled) is True
    assert shop.gateway.refunds_of(paid.charge_id) == 1
    assert payment_statuses(shop, paid.order_id) == ["REFUNDED"]


def test_a_crash_after_the_gateway_answered_refunds_exactly_once_on_redelivery(shop):
    paid, cancelled = paid_then_cancelled(shop)
    shop.orders.busy = 100  # the gateway refunds, then every commit attempt fails
    with pytest.raises(Contention):
        shop.refunds.settle(cancelled)
    assert shop.gateway.refunds_of(paid.charge_id) == 1
    assert payment_statuses(shop, paid.order_id) == ["REFUND_PENDING"]
    shop.orders.busy = 0
    assert shop.refunds.settle(cancelled) is True
    assert shop.gateway.refunds_of(paid.charge_id) == 1, "the redelivery refunded a second time"
    assert payment_statuses(shop, paid.order_id) == ["REFUNDED"]
    assert [e.type for e in shop.orders.events[paid.order_id]].count("payment_refunded") == 1


def test_a_redelivered_or_racing_cancellation_event_refunds_once(shop):
    paid, cancelled = paid_then_cancelled(shop)
    racing: list[bool] = []
    shop.orders.before_commit.append(lambda: racing.append(shop.refunds.settle(cancelled)))
    assert shop.refunds.settle(cancelled) is False  # the racing delivery recorded it first
    assert racing == [True]
    assert shop.refunds.settle(cancelled) is False  # and a later redelivery finds nothing owed
    assert shop.gateway.refunds_of(paid.charge_id) == 1
    assert [e.type for e in shop.orders.events[paid.order_id]].count("payment_refunded") == 1
    assert_folds(shop, paid.order_id)


def test_a_cancellation_that_owes_nothing_never_reaches_the_gateway(shop):
    order = shop.buy(mug=1)
    shop.cancels.cancel(ALICE, order.id)
    assert shop.refunds.settle(bus_message(shop.orders.events[order.id][-1])) is False
    assert shop.gateway.refunds == [] and shop.orders.events[order.id][-1].type == "order_cancelled"


def test_a_sixth_open_order_is_refused_and_reserves_nothing(shop):
    for _ in range(MAX_OPEN_ORDERS):
        shop.buy(mug=1)
    before = levels(shop, "mug")
    with pytest.raises(TooManyOpenOrders) as refused:
        shop.buy(mug=1)
    assert refused.value.code == "TOO_MANY_OPEN_ORDERS"
    assert levels(shop, "mug") == before == (5, 5, 0) and "alice" in shop.carts.carts
    assert shop.buy(BOB, mug=1).status == "PENDING_PAYMENT"  # the limit is per customer


def test_paying_cancelling_or_expiring_an_open_order_frees_its_slot(shop):
    opened = [shop.buy(mug=1) for _ in range(MAX_OPEN_ORDERS)]
    shop.payments.pay(ALICE, opened[0].id, card(DECLINED))  # still PENDING_PAYMENT: no slot freed
    with pytest.raises(TooManyOpenOrders):
        shop.buy(mug=1)
    shop.payments.pay(ALICE, opened[1].id, card())
    opened.append(shop.buy(mug=1))
    shop.cancels.cancel(ALICE, opened[2].id)
    opened.append(shop.buy(mug=1))
    with pytest.raises(TooManyOpenOrders):
        shop.buy(mug=1)
    shop.clock.now += timedelta(seconds=901)
    assert shop.expiry.sweep().expired == MAX_OPEN_ORDERS
    assert shop.buy(mug=1).status == "PENDING_PAYMENT"
    assert shop.orders.open_orders["alice"] == {
        o.id for o in shop.orders.orders.values() if o.status == "PENDING_PAYMENT"
    }


def test_shipped_orders_cannot_be_cancelled_and_strangers_get_404(shop):
    order = shop.buy(mug=1)
    with pytest.raises(NotFound):
        shop.cancels.cancel(BOB, order.id)
    shop.payments.pay(ALICE, order.id, card())
    shipped = replace(shop.orders.orders[order.id], status="SHIPPED")
    shop.orders.orders[order.id] = shipped
    with pytest.raises(InvalidTransition):
        shop.cancels.cancel(ALICE, order.id)


def test_the_sweep_cancels_only_expired_unpaid_orders(shop):
    before = shop.conserved()
    old, paid = shop.buy(mug=1), shop.buy(BOB, mug=2)
    shop.payments.pay(BOB, paid.id, card())
    shop.clock.now += timedelta(seconds=600)
    young = shop.buy(pen=1)
    shop.clock.now += timedelta(seconds=301)
    report = shop.expiry.sweep()
    assert (report.due, report.expired) == (1, 1)
    assert [shop.orders.orders[o.id].status for o in (old, paid, young)] == [
        "CANCELLED",
        "PAID",
        "PENDING_PAYMENT",
    ]
    assert shop.orders.events[old.id][-1].data.reason == "RESERVATION_EXPIRED"
    assert shop.orders.events[old.id][-1].actor.role == "system"
    assert levels(shop, "mug") == (8, 0, 2) and shop.conserved() == before


def test_expiry_loses_gracefully_to_a_payment_committed_first(shop):
    order = shop.buy(mug=1)
    shop.clock.now += timedelta(seconds=901)
    due_payment = replace(shop.orders.orders[order.id], reservation_expires_at="2031-01-01T00:00:00.000Z")

    def payment_lands_first():
        shop.orders.orders[order.id] = due_payment
        shop.payments.pay(ALICE, order.id, card())

    shop.orders.before_commit.append(payment_lands_first)
    assert shop.cancels.expire(order.id) is False
    assert shop.orders.orders[order.id].status == "PAID" and levels(shop, "mug") == (9, 0, 1)


def test_reads_are_for_the_owner_or_an_admin(shop):
    order = shop.buy(mug=1)
    shop.payments.pay(ALICE, order.id, card(DECLINED))
    assert shop.queries.order(ADMIN, order.id) == shop.queries.order(ALICE, order.id)
    assert [e.seq for e in shop.queries.events(ALICE, order.id)] == [1, 2]
    assert len(shop.queries.payments(ADMIN, order.id)) == 1
    for read in (shop.queries.order, shop.queries.events, shop.queries.payments):
        with pytest.raises(NotFound):
            read(BOB, order.id)
    assert shop.queries.my_orders(BOB, 20, None).items == []


class OrderLifecycle(RuleBasedStateMachine):
    """Random carts, checkouts, payments (some racing), cancellations, expiries and refund deliveries
    (some during a gateway outage), with the invariants checked after every step: no level of any
    stock shard negative, stock conserved per shard (the mug has three), at most one successful payment per order and every other charge
    refunded or owed, at most MAX_OPEN_ORDERS unpaid orders per customer, each order equal to the
    fold of its events."""

    users = (ALICE, BOB, Caller("carol", "customer"))

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.carts, self.gateway, self.audit = MemoryCarts(), MockPaymentGateway(), RecordingAudit()
        self.catalog = MemoryShelves(mug=Shelf(1000, 3, 2, 1), pen=Shelf(250, 4))
        self.orders = MemoryOrders(self.catalog)
        no_wait = lambda _: None  # noqa: E731
        self.checkout = CheckoutService(self.carts, self.catalog, self.orders, 900, self.clock, no_wait)
        self.payments = PaymentService(self.orders, self.gateway, self.audit, self.clock, no_wait)
        self.cancels = CancelService(self.orders, self.audit, self.clock, no_wait)
        self.expiry = ReservationExpiry(self.orders, self.cancels, self.clock)
        self.refunds = RefundPayments(self.orders, self.gateway, self.audit, self.clock, no_wait)
        self.totals = {pid: shelf.total for pid, shelf in self.catalog.shelves.items()}
        self.shard_totals = {
            pid: [s.available + s.reserved + s.sold for s in shelf.shards]
            for pid, shelf in self.catalog.shelves.items()
        }

    placed = Bundle("placed")

    @rule(user=st.sampled_from(users), pid=st.sampled_from(["mug", "pen"]), quantity=st.integers(1, 5))
    def put_in_cart(self, user: Caller, pid: str, quantity: int) -> None:
        self.carts.set_line(CartOwner(user.id, is_guest=False), pid, quantity, self.clock())

    @rule(target=placed, user=st.sampled_from(users))
    def check_out(self, user: Caller) -> object:
        try:
            return self.checkout.checkout(user, ADDRESS).id
        except (CartEmpty, OutOfStock, TooManyOpenOrders):
            return multiple()

    @rule(order_id=placed, number=st.sampled_from([GOOD, DECLINED, BROKE]), racing=st.booleans())
    def pay(self, order_id: str, number: str, racing: bool) -> None:
        order = self.orders.orders[order_id]
        owner = next(u for u in self.users if u.id == order.user_id)
        if racing:
            self.orders.before_commit.append(
                lambda: self._quietly(self.payments.pay, owner, order_id, card())
            )
        self._quietly(self.payments.pay, owner, order_id, card(number))
        self.orders.before_commit.clear()

    @rule(order_id=placed, by_admin=st.booleans())
    def cancel(self, order_id: str, by_admin: bool) -> None:
        caller = ADMIN if by_admin else Caller(self.orders.orders[order_id].user_id, "customer")
        self._quietly(self.cancels.cancel, caller, order_id)

    @rule(order_id=placed, outage=st.booleans())
    def refunds_queue_delivers(self, order_id: str, outage: bool) -> None:
        """Every order_cancelled event of the order (again, if delivered before), maybe in an outage."""
        self.gateway.fail_refunds(1 if outage else 0)
        for event in [e for e in self.orders.events[order_id] if e.type == "order_cancelled"]:
            with contextlib.suppress(GatewayUnavailable):
                self.refunds.settle(bus_message(event))
        self.gateway.fail_refunds(0)

    @rule(seconds=st.integers(0, 1200))
    def time_passes_and_the_sweep_runs(self, seconds: int) -> None:
        self.clock.now += timedelta(seconds=seconds)
        self.expiry.sweep()

    def _quietly(self, command: Callable[..., object], *args: object) -> None:
        with contextlib.suppress(InvalidTransition, NotFound):
            command(*args)

    @invariant()
    def stock_is_conserved_and_never_negative(self) -> None:
        def held(status: str, pid: str, shard: int) -> int:
            orders = [o for o in self.orders.orders.values() if o.status == status]
            lines = [i for o in orders for i in o.items if i.product_id == pid]
            return sum(units for i in lines for number, units in i.reserved_shards() if number == shard)

        for pid, shelf in self.catalog.shelves.items():
            assert shelf.total == self.totals[pid]
            for number, shard in enumerate(shelf.shards):
                assert min(shard.available, shard.reserved, shard.sold) >= 0
                assert shard.available + shard.reserved + shard.sold == self.shard_totals[pid][number]
                held_here = (held("PENDING_PAYMENT", pid, number), held("PAID", pid, number))
                assert (shard.reserved, shard.sold) == held_here

    @invariant()
    def one_successful_payment_per_order_and_every_other_charge_refunded_or_owed(self) -> None:
        kept, owed, refunded = set(), set(), set()
        for order_id, payments in self.orders.payments.items():
            succeeded = [p for p in payments if p.status in ("SUCCEEDED", "REFUND_PENDING", "REFUNDED")]
            assert len(succeeded) <= 1
            assert (self.orders.orders[order_id].status in ("PAID", "CANCELLED")) >= bool(succeeded)
            kept |= {p.charge_id for p in payments if p.status == "SUCCEEDED"}
            owed |= {p.charge_id for p in payments if p.status == "REFUND_PENDING"}
            refunded |= {p.charge_id for p in payments if p.status == "REFUNDED"}
        assert set(self.gateway.charged) - kept - owed == set(self.gateway.refunded)
        assert refunded <= set(self.gateway.refunded)
        assert all(self.gateway.refunds_of(charge) == 1 for charge in self.gateway.refunded)

    @invariant()
    def no_customer_holds_more_than_five_unpaid_orders(self) -> None:
        for user in self.users:
            pending = {
                o.id
                for o in self.orders.orders.values()
                if o.user_id == user.id and o.status == "PENDING_PAYMENT"
            }
            assert len(pending) <= MAX_OPEN_ORDERS
            assert self.orders.open_orders.get(user.id, set()) == pending

    @invariant()
    def every_order_is_the_fold_of_its_events(self) -> None:
        for order_id, order in self.orders.orders.items():
            assert fold(self.orders.events[order_id]) == order


TestOrderLifecycle = OrderLifecycle.TestCase
TestOrderLifecycle.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)


def test_the_order_journey_counts_its_business_metrics(shop, business_metrics):
    """Each fact counted once, where it is known, as the alarms and the dashboard read it."""
    shop.catalog.shelves["pen"].available = 1
    with pytest.raises(OutOfStock):
        shop.buy(pen=2)
    declined = shop.buy(mug=1)
    shop.payments.pay(ALICE, declined.id, card(DECLINED))
    _, cancelled = paid_then_cancelled(shop)
    shop.refunds.settle(cancelled)
    shop.refunds.settle(cancelled)  # redelivered: nothing owed any more, nothing counted
    shop.clock.now += timedelta(seconds=901)
    assert shop.expiry.sweep().expired == 1  # the declined one, never paid
    assert business_metrics() == {
        "OutOfStockRefusals": 1,
        "OrdersCreated": 2,
        "PaymentsFailed": 1,
        "PaymentsSucceeded": 1,
        "OrdersCancelled": 1,
        "RefundsPending": 1,
        "RefundsCompleted": 1,
        "ReservationsExpired": 1,
    }
