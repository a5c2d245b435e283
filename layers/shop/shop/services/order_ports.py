"""What checkout, payments, cancellation and expiry need from the outside world.

Writes go through one `OrderStore.commit`: the order's new state, its new events, stock moves,
payment records and any foreign transaction element (the cart delete, the idempotency record)
commit together or not at all. `TxItem` is an opaque element of that transaction, made by the
adapter that owns its table, so no service builds a DynamoDB expression.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

from shop.domain.audit_chain import AuditDraft
from shop.domain.order_lines import OrderLine
from shop.domain.orders import Order, OrderEvent
from shop.domain.paging import Page
from shop.domain.payments import Card, Charge, Payment

TxItem = dict[str, Any]
R = TypeVar("R")
Seal = Callable[[R], TxItem]
"""Given the result a command is about to commit, the element that records its response atomically."""


CheckoutLine = tuple[str, int]
"""(product id, quantity)"""


class CartSource(Protocol):
    """The cart as checkout sees it (shop.adapters.carts.carts_dynamo.DynamoCarts implements it)."""

    def get_cart_for_checkout(self, owner_id: str) -> tuple[Sequence[CheckoutLine], str | None]:
        """The cart's lines oldest first and its version (None: no cart, no lines)."""
        ...

    def cart_delete_item(self, owner_id: str, version: str) -> TxItem:
        """Deletes the cart, on condition that its version is still `version`."""
        ...


@dataclass(frozen=True)
class ProductSnapshot:
    id: str
    sku: str
    name: str
    price_cents: int
    currency: str
    status: str
    available: int
    """The units on sale: the sum over every shard (over the shards read, if `every_shard` is False)."""
    shards: Mapping[int, int] = field(default_factory=dict)
    """Available units by stock shard (empty: one shard, 0, holding `available`)."""
    every_shard: bool = True
    """False: `shards` holds two of the product's shards, picked at random to reserve from; if
    neither can serve a line alone, every shard must be read before anything is decided."""


class ProductSource(Protocol):
    def products_for_checkout(
        self, product_ids: Sequence[str], *, every_shard: bool = False
    ) -> Mapping[str, ProductSnapshot]:
        """The products that exist among `product_ids`, by id, read in one batch: each with two of
        its stock shards picked at random (with all of them if it has no more, or `every_shard`)."""
        ...


StockMoveKind = Literal["reserve", "sell", "release", "restock"]
PendingSlot = Literal["take", "release"]


@dataclass(frozen=True)
class StockMove:
    """reserve: available -> reserved (at the frozen price); sell: reserved -> sold;
    release: reserved -> available; restock: sold -> available; all within one stock shard."""

    product_id: str
    quantity: int
    kind: StockMoveKind
    unit_price_cents: int | None = None
    shard: int = 0


def stock_moves(lines: Sequence[OrderLine], kind: StockMoveKind) -> list[StockMove]:
    """The moves of an order's lines, each on the shard(s) the line reserved at checkout."""
    return [
        StockMove(line.product_id, quantity, kind, line.unit_price_cents, shard)
        for line in lines
        for shard, quantity in line.reserved_shards()
    ]


@dataclass(frozen=True)
class Shortage:
    product_id: str
    requested: int
    available: int


class CommitRefused(Exception):
    """A condition of the transaction failed; the flags say which, so the service can retry or answer."""

    def __init__(
        self,
        *,
        shortages: Sequence[Shortage] = (),
        stale_prices: bool = False,
        order_changed: bool = False,
        foreign_failed: bool = False,
        busy: bool = False,
        too_many_open_orders: bool = False,
    ) -> None:
        super().__init__("transaction refused")
        self.shortages = list(shortages)
        self.stale_prices = stale_prices
        self.order_changed = order_changed
        self.foreign_failed = foreign_failed
        self.busy = busy
        self.too_many_open_orders = too_many_open_orders

    @property
    def retryable(self) -> bool:
        """Worth reading again and retrying: nothing but concurrency stood in the way. A shortage is
        one shard holding fewer units than read: another may still serve the line, and a fresh
        read tells whether the product's sum can (OUT_OF_STOCK only when it cannot)."""
        return not self.too_many_open_orders and (
            bool(self.shortages) or self.stale_prices or self.foreign_failed or self.busy
        )


@dataclass(frozen=True)
class OrderChange:
    """New events of an order with its state after them; `base_version` is what the stored order must
    still be at (0: the order must not exist yet).

    `refunds` move payments one step of a refund (domain.payments.REFUND_STEPS), each on condition
    that the stored payment is still at the step before. `pending_slot` counts the owner's orders in
    PENDING_PAYMENT: checkout takes a slot (refused past MAX_OPEN_ORDERS), and every move out of
    PENDING_PAYMENT releases it, in this same transaction, so no race can get past the limit."""

    order: Order
    events: Sequence[OrderEvent]
    base_version: int
    stock: Sequence[StockMove] = ()
    new_payments: Sequence[Payment] = ()
    refunds: Sequence[Payment] = ()
    foreign: Sequence[TxItem] = ()
    pending_slot: PendingSlot | None = None
    audit: Sequence[AuditDraft] = ()  # entries recording the change, written in its transaction
    fulfilment: bool = False
    """Shipping's events: the order's new state goes in the admin's shipment (a foreign element), and
    the customer's order item is not written, only checked to be paid (not cancelled, never unpaid)."""


@dataclass(frozen=True)
class OrderHistory:
    order: Order
    events: Sequence[OrderEvent]
    payments: Sequence[Payment]


class OrderStore(Protocol):
    def get_order(self, order_id: str) -> Order | None: ...

    def order_history(self, order_id: str) -> OrderHistory | None:
        """The order, its events (by seq) and payments (oldest first), read together."""
        ...

    def orders_of(self, user_id: str, limit: int, cursor: str | None) -> Page[Order]:
        """A user's orders, newest first."""
        ...

    def due_reservations(self, now: str, limit: int) -> Sequence[str]:
        """Ids of PENDING_PAYMENT orders whose reservation ended before `now`, oldest first."""
        ...

    def commit(self, change: OrderChange) -> None:
        """All of the change or nothing; raises CommitRefused."""
        ...


class GatewayUnavailable(RuntimeError):
    """The payment gateway did not answer, or failed: nothing is known to have happened; ask again."""


class PaymentGateway(Protocol):
    def charge(self, card: Card, amount_cents: int, currency: str, reference: str) -> Charge: ...

    def refund(self, charge_id: str, amount_cents: int, reference: str) -> None:
        """Return a charge's money. Idempotent on `reference`: asked again with the same reference
        (a retry, a redelivered event) it refunds nothing more. Raises GatewayUnavailable."""
        ...
