"""Checkout, payment, cancellation and reservation expiry against in-memory fakes of their ports.

The fake order store applies a change all-or-nothing with the same conditions as the DynamoDB
adapter (order version, free event seq, stock levels, frozen price, foreign elements), so the
services' retry and refusal paths run for real. `OrderLifecycle` (hypothesis, stateful) drives
random carts, checkouts, racing payments, cancellations and expiries and checks the issue's
invariants after every step.
"""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from shop.adapters.payment_gateway_mock import MockPaymentGateway
from shop.domain.orders import Order, OrderEvent, fold
from shop.domain.paging import Page
from shop.domain.payments import Card, Payment
from shop.errors import (
    CartEmpty,
    Conflict,
    Contention,
    InvalidTransition,
    LoginRequired,
    NotFound,
    OutOfStock,
)
from shop.services.checkout import CheckoutService
from shop.services.order_ports import Caller, CommitRefused, OrderHistory, ProductSnapshot, Shortage
from shop.services.orders import OrderQueries
from shop.services.orders_cancel import CancelService
from shop.services.payments import PaymentService
from shop.services.reservation_expiry import ReservationExpiry

NOW = datetime(2030, 1, 1, tzinfo=UTC)
ALICE, BOB = Caller("alice", "customer"), Caller("bob", "customer")
ADMIN, GUEST = Caller("root", "admin"), Caller("g_1", "guest")
ADDRESS = {"name": "A", "line1": "1 Road", "line2": None, "city": "X", "postal_code": "1", "country": "DE"}
GOOD, DECLINED, BROKE = "4242424242424242", "4000000000000002", "4000000000009995"


def card(number: str = GOOD) -> Card:
    return Card(number, 12, 2035, "123")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Shelf:
    price: int
    available: int
    reserved: int = 0
    sold: int = 0
    status: str = "ACTIVE"


class FakeCarts:
    def __init__(self) -> None:
        self.carts: dict[str, tuple[list[tuple[str, int]], str]] = {}

    def get_cart_for_checkout(self, owner_id):
        lines, version = self.carts.get(owner_id, ([], None))
        return list(lines), version

    def cart_delete_item(self, owner_id, version):
        return {
            "check": lambda: owner_id in self.carts and self.carts[owner_id][1] == version,
            "apply": lambda: self.carts.pop(owner_id),
        }


class FakeCatalog:
    def __init__(self, **shelves: Shelf) -> None:
        self.shelves = shelves

    def products_for_checkout(self, product_ids):
        return {
            pid: ProductSnapshot(pid, pid.upper(), f"Product {pid}", s.price, "USD", s.status, s.available)
            for pid, s in self.shelves.items()
            if pid in product_ids
        }

    def total(self, pid: str) -> int:
        s = self.shelves[pid]
        return s.available + s.reserved + s.sold


_FROM_TO = {
    "reserve": ("available", "reserved"),
    "sell": ("reserved", "sold"),
    "release": ("reserved", "available"),
    "restock": ("sold", "available"),
}


@dataclass
class FakeOrders:
    catalog: FakeCatalog
    orders: dict[str, Order] = field(default_factory=dict)
    events: dict[str, list[OrderEvent]] = field(default_factory=dict)
    payments: dict[str, list[Payment]] = field(default_factory=dict)
    busy: int = 0  # the next `busy` commits fail with a transaction conflict
    before_commit: list[Callable[[], object]] = field(
        default_factory=list
    )  # callables run once, before the next commit
    commits: int = 0

    def get_order(self, order_id):
        return self.orders.get(order_id)

    def order_history(self, order_id):
        if order_id not in self.orders:
            return None
        return OrderHistory(self.orders[order_id], list(self.events[order_id]), list(self.payments[order_id]))

    def orders_of(self, user_id, limit, cursor):
        mine = sorted((o for o in self.orders.values() if o.user_id == user_id), key=lambda o: o.created_at)
        return Page(mine[::-1][:limit], None)

    def due_reservations(self, now, limit):
        due = [
            o
            for o in self.orders.values()
            if o.status == "PENDING_PAYMENT" and o.reservation_expires_at < now
        ]
        return [o.id for o in sorted(due, key=lambda o: o.reservation_expires_at)][:limit]

    def commit(self, change):
        while self.before_commit:
            self.before_commit.pop(0)()
        if self.busy:
            self.busy -= 1
            raise CommitRefused(busy=True)
        current = self.orders.get(change.order.id)
        order_ok = (
            (current is None)
            if change.base_version == 0
            else (current and current.version == change.base_version)
        )
        shortages, stale, bad_stock = [], False, False
        for move in change.stock:
            shelf = self.catalog.shelves.get(move.product_id)
            source = _FROM_TO[move.kind][0]
            if move.kind == "reserve" and (
                shelf is None or shelf.status != "ACTIVE" or shelf.available < move.quantity
            ):
                shortages.append(Shortage(move.product_id, move.quantity, shelf.available if shelf else 0))
            elif move.kind == "reserve" and shelf is not None and shelf.price != move.unit_price_cents:
                stale = True
            elif getattr(shelf, source) < move.quantity:
                bad_stock = True
        foreign_ok = all(item["check"]() for item in change.foreign)
        refunds_ok = all(self._payment(p).status == "SUCCEEDED" for p in change.refunds)
        if shortages or stale or not order_ok or not foreign_ok or not refunds_ok or bad_stock:
            raise CommitRefused(
                shortages=shortages,
                stale_prices=stale,
                order_changed=not order_ok or not refunds_ok,
                foreign_failed=not foreign_ok,
            )
        self.commits += 1
        for move in change.stock:
            shelf = self.catalog.shelves[move.product_id]
            source, target = _FROM_TO[move.kind]
            setattr(shelf, source, getattr(shelf, source) - move.quantity)
            setattr(shelf, target, getattr(shelf, target) + move.quantity)
        self.orders[change.order.id] = change.order
        self.events.setdefault(change.order.id, []).extend(change.events)
        mine = self.payments.setdefault(change.order.id, [])
        mine.extend(change.new_payments)
        for refund in change.refunds:
            mine[[p.id for p in mine].index(refund.id)] = refund
        for item in change.foreign:
            item["apply"]()

    def _payment(self, payment):
        return next(p for p in self.payments[payment.order_id] if p.id == payment.id)


class RecordingAudit:
    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def record(self, **entry):
        self.entries.append(entry)


@pytest.fixture
def shop():
    @dataclass
    class Shop:
        clock: Clock = field(default_factory=Clock)
        carts: FakeCarts = field(default_factory=FakeCarts)
        catalog: FakeCatalog = field(
            default_factory=lambda: FakeCatalog(mug=Shelf(1000, 10), pen=Shelf(250, 3))
        )
        gateway: MockPaymentGateway = field(default_factory=MockPaymentGateway)
        audit: RecordingAudit = field(default_factory=RecordingAudit)

        def __post_init__(self):
            self.orders = FakeOrders(self.catalog)
            no_wait = lambda _: None  # noqa: E731
            self.checkout = CheckoutService(self.carts, self.catalog, self.orders, 900, self.clock, no_wait)
            self.payments = PaymentService(self.orders, self.gateway, self.audit, self.clock, no_wait)
            self.cancels = CancelService(self.orders, self.gateway, self.audit, self.clock, no_wait)
            self.expiry = ReservationExpiry(self.orders, self.cancels, self.clock)
            self.queries = OrderQueries(self.orders)

        def buy(self, caller=ALICE, **lines):
            self.carts.carts[caller.id] = (list(lines.items()), f"v{len(self.orders.orders)}")
            return self.checkout.checkout(caller, ADDRESS)

        def conserved(self):
            return {pid: self.catalog.total(pid) for pid in self.catalog.shelves}

    return Shop()


def levels(shop, pid):
    s = shop.catalog.shelves[pid]
    return s.available, s.reserved, s.sold


def assert_folds(shop, order_id):
    assert fold(shop.orders.events[order_id]) == shop.orders.orders[order_id]


def test_checkout_reserves_every_line_freezes_prices_and_empties_the_cart(shop):
    order = shop.buy(mug=2, pen=1)
    assert order.status == "PENDING_PAYMENT" and order.user_id == "alice"
    assert [(i["product_id"], i["unit_price_cents"], i["line_total_cents"]) for i in order.items] == [
        ("mug", 1000, 2000),
        ("pen", 250, 250),
    ]
    assert (order.subtotal_cents, order.shipping_cents, order.total_cents) == (2250, 499, 2749)
    assert order.reservation_expires_at == "2030-01-01T00:15:00.000Z"
    assert levels(shop, "mug") == (8, 2, 0) and levels(shop, "pen") == (2, 1, 0)
    assert "alice" not in shop.carts.carts
    assert_folds(shop, order.id)


def test_checkout_refuses_guests_and_empty_carts(shop):
    with pytest.raises(LoginRequired):
        shop.checkout.checkout(GUEST, ADDRESS)
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


def test_a_product_gone_or_off_sale_is_out_of_stock_with_nothing_available(shop):
    shop.catalog.shelves["pen"].status = "ARCHIVED"
    with pytest.raises(OutOfStock) as refused:
        shop.buy(mug=1, pen=1, ghost=1)
    assert refused.value.details == [
        {"product_id": "pen", "requested": 1, "available": 0},
        {"product_id": "ghost", "requested": 1, "available": 0},
    ]


def test_stock_taken_between_read_and_commit_is_reported_from_the_transaction(shop):
    shop.orders.before_commit.append(lambda: setattr(shop.catalog.shelves["mug"], "available", 1))
    with pytest.raises(OutOfStock) as refused:
        shop.buy(mug=2)
    assert refused.value.details == [{"product_id": "mug", "requested": 2, "available": 1}]


def test_conflicts_and_price_changes_are_retried_then_the_new_price_is_frozen(shop):
    shop.orders.busy = 2
    shop.orders.before_commit.append(lambda: setattr(shop.catalog.shelves["mug"], "price", 1200))
    order = shop.buy(mug=1)
    assert order.items[0]["unit_price_cents"] == 1200 and levels(shop, "mug") == (9, 1, 0)


def test_a_cart_changed_during_checkout_is_read_again(shop):
    shop.carts.carts["alice"] = ([("mug", 1)], "v1")
    shop.orders.before_commit.append(lambda: shop.carts.carts.update(alice=([("mug", 3)], "v2")))
    assert shop.checkout.checkout(ALICE, ADDRESS).items[0]["quantity"] == 3


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
        and event.data["reason"] == "CUSTOMER"
        and event.data["refunded"] is False
    )
    with pytest.raises(InvalidTransition):
        shop.cancels.cancel(ALICE, order.id)
    assert_folds(shop, order.id)


def test_cancelling_a_paid_order_refunds_it_and_restocks(shop):
    before = shop.conserved()
    order = shop.buy(mug=2)
    paid = shop.payments.pay(ALICE, order.id, card())
    cancelled = shop.cancels.cancel(ADMIN, order.id)
    assert (
        cancelled.status == "CANCELLED" and levels(shop, "mug") == (10, 0, 0) and shop.conserved() == before
    )
    assert [p.status for p in shop.queries.payments(ALICE, order.id)] == ["REFUNDED"]
    assert shop.gateway.refunded == {paid.payment.charge_id: 2499}
    event = shop.orders.events[order.id][-1]
    assert event.data["reason"] == "ADMIN" and event.data["refund_amount_cents"] == 2499
    assert [e["action"] for e in shop.audit.entries][-2:] == ["payment.refunded", "order.cancelled"]


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
    assert shop.orders.events[old.id][-1].data["reason"] == "RESERVATION_EXPIRED"
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
    """Random carts, checkouts, payments (some racing), cancellations and expiries, with the issue's
    invariants checked after every step: no level negative, stock conserved, at most one successful
    payment per order and every other charge refunded, each order equal to the fold of its events."""

    users = (ALICE, BOB, Caller("carol", "customer"))

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.carts, self.gateway, self.audit = FakeCarts(), MockPaymentGateway(), RecordingAudit()
        self.catalog = FakeCatalog(mug=Shelf(1000, 6), pen=Shelf(250, 4))
        self.orders = FakeOrders(self.catalog)
        no_wait = lambda _: None  # noqa: E731
        self.checkout = CheckoutService(self.carts, self.catalog, self.orders, 900, self.clock, no_wait)
        self.payments = PaymentService(self.orders, self.gateway, self.audit, self.clock, no_wait)
        self.cancels = CancelService(self.orders, self.gateway, self.audit, self.clock, no_wait)
        self.expiry = ReservationExpiry(self.orders, self.cancels, self.clock)
        self.totals = {pid: self.catalog.total(pid) for pid in self.catalog.shelves}
        self.versions = 0

    placed = Bundle("placed")

    @rule(user=st.sampled_from(users), pid=st.sampled_from(["mug", "pen"]), quantity=st.integers(1, 5))
    def put_in_cart(self, user: Caller, pid: str, quantity: int) -> None:
        lines = dict(self.carts.carts.get(user.id, ([], ""))[0])
        lines[pid] = quantity
        self.versions += 1
        self.carts.carts[user.id] = (list(lines.items()), f"v{self.versions}")

    @rule(target=placed, user=st.sampled_from(users))
    def check_out(self, user: Caller) -> object:
        try:
            return self.checkout.checkout(user, ADDRESS).id
        except (CartEmpty, OutOfStock):
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

    @rule(seconds=st.integers(0, 1200))
    def time_passes_and_the_sweep_runs(self, seconds: int) -> None:
        self.clock.now += timedelta(seconds=seconds)
        self.expiry.sweep()

    def _quietly(self, command: Callable[..., object], *args: object) -> None:
        with contextlib.suppress(InvalidTransition, NotFound):
            command(*args)

    @invariant()
    def stock_is_conserved_and_never_negative(self) -> None:
        def held(status: str, pid: str) -> int:
            orders = [o for o in self.orders.orders.values() if o.status == status]
            return sum(i["quantity"] for o in orders for i in o.items if i["product_id"] == pid)

        for pid, shelf in self.catalog.shelves.items():
            assert min(shelf.available, shelf.reserved, shelf.sold) >= 0
            assert self.catalog.total(pid) == self.totals[pid]
            assert (shelf.reserved, shelf.sold) == (held("PENDING_PAYMENT", pid), held("PAID", pid))

    @invariant()
    def one_successful_payment_per_order_and_every_other_charge_refunded(self) -> None:
        kept = set()
        for order_id, payments in self.orders.payments.items():
            succeeded = [p for p in payments if p.status in ("SUCCEEDED", "REFUNDED")]
            assert len(succeeded) <= 1
            assert (self.orders.orders[order_id].status in ("PAID", "CANCELLED")) >= bool(succeeded)
            kept |= {p.charge_id for p in payments if p.status == "SUCCEEDED"}
        assert set(self.gateway.charged) - kept == set(self.gateway.refunded)

    @invariant()
    def every_order_is_the_fold_of_its_events(self) -> None:
        for order_id, order in self.orders.orders.items():
            assert fold(self.orders.events[order_id]) == order


TestOrderLifecycle = OrderLifecycle.TestCase
TestOrderLifecycle.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
