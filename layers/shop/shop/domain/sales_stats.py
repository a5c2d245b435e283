"""Sales statistics as a projection of order events: each order contributes, each event moves it.

The aggregates are the sum of every order's *contribution*, and the projector keeps one tally per
order (what its events said so far). An event changes the tally; the aggregates move by the
difference between the tally's contribution after and before. That gives the rules for free:

- Money (orders, revenue, units and revenue per product) is attributed to the day the order was
  paid. A paid order contributes its payment; a refunded one contributes its payment less its
  refund, on that same day, so a day's net is right whenever the refund happens. A refund counts
  when the money is back (payment_refunded), not when the cancellation asks for it: revenue is
  money captured less money returned, and a refund waiting out a gateway outage is not returned yet.
- A refund that arrives before its payment (queues do not keep order) is kept in the tally and
  contributes nothing until the payment comes: the order then nets to zero, never negative.
- Counts by status are attributed to the day the order was created, by its current status: only an
  event with a higher seq than the last one applied may change the status (late events are stale).
- Setting a tally's payment or refund is itself idempotent, so even an event applied twice would
  not double-count; the processed marker written in the same transaction makes it a no-op anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from shop.domain.order_event_data import (
    EventData,
    OrderCancelled,
    OrderCreated,
    PaymentRefunded,
    PaymentSucceeded,
)
from shop.domain.order_lines import OrderLine

STATUSES = ("PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED", "CANCELLED")
STATUS_AFTER = {
    "order_created": "PENDING_PAYMENT",
    "payment_succeeded": "PAID",
    "order_cancelled": "CANCELLED",
    "shipment_created": "SHIPPED",
    "order_delivered": "DELIVERED",
}
PROJECTED_TYPES = frozenset(STATUS_AFTER) | {"payment_refunded"}


def day_of(occurred_at: str) -> str:
    """The UTC calendar day (YYYY-MM-DD) of an RFC 3339 timestamp."""
    moment = datetime.fromisoformat(occurred_at)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date().isoformat()


@dataclass(frozen=True)
class ProductSale:
    name: str
    units: int
    revenue_cents: int


@dataclass(frozen=True)
class Sale:
    """Orders, revenue and per-product units/revenue: what a payment adds and a refund takes back."""

    orders: int = 0
    revenue_cents: int = 0
    products: Mapping[str, ProductSale] = field(default_factory=dict)

    def __add__(self, other: Sale) -> Sale:
        products = dict(self.products)
        for product_id, sold in other.products.items():
            mine = products.get(product_id)
            products[product_id] = (
                sold
                if mine is None
                else ProductSale(sold.name, mine.units + sold.units, mine.revenue_cents + sold.revenue_cents)
            )
        return Sale(self.orders + other.orders, self.revenue_cents + other.revenue_cents, products)

    def __neg__(self) -> Sale:
        return Sale(
            -self.orders,
            -self.revenue_cents,
            {pid: ProductSale(p.name, -p.units, -p.revenue_cents) for pid, p in self.products.items()},
        )

    def __sub__(self, other: Sale) -> Sale:
        return self + -other

    @property
    def is_zero(self) -> bool:
        return not (self.orders or self.revenue_cents) and all(
            not (p.units or p.revenue_cents) for p in self.products.values()
        )


def sale_of(amount_cents: int, items: Iterable[OrderLine]) -> Sale:
    """One order's sale: its amount, and its lines summed per product (names as the order froze them)."""
    sale = Sale(orders=1, revenue_cents=amount_cents)
    for line in items:
        product = ProductSale(line.name, line.quantity, line.line_total_cents)
        sale = sale + Sale(products={line.product_id: product})
    return sale


@dataclass(frozen=True)
class OrderTally:
    """What the events of one order said so far; `version` guards concurrent updates of the tally, and
    `applied` (the seqs of the events projected) makes a redelivered event change nothing."""

    order_id: str
    version: int = 0
    applied: frozenset[int] = frozenset()
    status: str | None = None
    status_seq: int = 0
    created_day: str | None = None
    paid_day: str | None = None
    payment: Sale | None = None
    refund: Sale | None = None

    def sales(self) -> dict[str, Sale]:
        if self.paid_day is None or self.payment is None:
            return {}
        return {self.paid_day: self.payment - (self.refund or Sale())}

    def statuses(self) -> dict[tuple[str, str], int]:
        if self.created_day is None or self.status is None:
            return {}
        return {(self.created_day, self.status): 1}


@dataclass(frozen=True)
class DayChange:
    sale: Sale = field(default_factory=Sale)
    statuses: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Projection:
    before: OrderTally
    after: OrderTally
    days: Mapping[str, DayChange]


def apply_event(tally: OrderTally, seq: int, occurred_at: str, data: EventData) -> OrderTally:
    """The tally after one event (any order of arrival); types outside PROJECTED_TYPES change nothing."""
    after = replace(tally, version=tally.version + 1, applied=tally.applied | {seq})
    if isinstance(data, OrderCreated):
        after = replace(after, created_day=day_of(occurred_at))
    elif isinstance(data, PaymentSucceeded):
        after = replace(after, paid_day=day_of(occurred_at), payment=sale_of(data.amount_cents, data.items))
    elif isinstance(data, PaymentRefunded):
        after = replace(after, refund=sale_of(data.amount_cents, data.items))
    elif isinstance(data, OrderCancelled) and data.refunded:
        # committed before refunds went through their own queue: the cancellation itself refunded
        after = replace(after, refund=sale_of(data.refund_amount_cents, data.items))
    if data.KIND in STATUS_AFTER and seq > tally.status_seq:
        after = replace(after, status=STATUS_AFTER[data.KIND], status_seq=seq)
    return after


def project(tally: OrderTally, seq: int, occurred_at: str, data: EventData) -> Projection:
    """The new tally and how each day's aggregates move: contribution after less contribution before."""
    after = apply_event(tally, seq, occurred_at, data)
    sales: dict[str, Sale] = {day: -sale for day, sale in tally.sales().items()}
    for day, sale in after.sales().items():
        sales[day] = sales.get(day, Sale()) + sale
    counts: dict[tuple[str, str], int] = {key: -n for key, n in tally.statuses().items()}
    for key, n in after.statuses().items():
        counts[key] = counts.get(key, 0) + n
    days: dict[str, DayChange] = {}
    for day in sorted(set(sales) | {day for day, _ in counts}):
        sale = sales.get(day, Sale())
        statuses = {status: n for (d, status), n in counts.items() if d == day and n}
        if not sale.is_zero or statuses:
            days[day] = DayChange(_without_zero_products(sale), statuses)
    return Projection(tally, after, days)


def _without_zero_products(sale: Sale) -> Sale:
    kept = {pid: p for pid, p in sale.products.items() if p.units or p.revenue_cents}
    return Sale(sale.orders, sale.revenue_cents, kept)
