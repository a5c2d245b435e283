"""An order's lines and its shipping address: values frozen into the order at checkout.

Their plain (stored and published) form comes from shop.domain.order_plain: a line is
`{product_id, sku, name, unit_price_cents, quantity, line_total_cents[, shards]}`, as an order item,
an event's `data` and a bus message have always carried it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from shop.domain.order_plain import OMIT_EMPTY, MalformedOrderData, Plain, from_plain, to_plain
from shop.domain.stock_shards import ShardTake


@dataclass(frozen=True, slots=True)
class OrderLine:
    product_id: str
    sku: str
    name: str
    unit_price_cents: int
    quantity: int
    line_total_cents: int
    shards: tuple[ShardTake, ...] = field(default=(), metadata=OMIT_EMPTY)
    """The (shard, units) the line reserved at checkout; empty: all of it from shard 0, which is what
    an ordinary product's line (and any line from before shards) records by recording nothing."""

    def reserved_shards(self) -> list[ShardTake]:
        return list(self.shards) or [(0, self.quantity)]

    def plain(self) -> Plain:
        return to_plain(self)

    @classmethod
    def of_plain(cls, values: object) -> OrderLine:
        return from_plain(cls, values, "an order line")


@dataclass(frozen=True, slots=True, kw_only=True)
class PostalAddress:
    SORTED_PLAIN_KEYS: ClassVar[bool] = True
    """Its plain form lists the keys sorted: the order its sealed JSON gives back when opened."""

    name: str
    line1: str
    line2: str | None = None
    city: str
    postal_code: str
    country: str

    def plain(self) -> Plain:
        return to_plain(self)

    @classmethod
    def of_plain(cls, values: object) -> PostalAddress:
        return from_plain(cls, values, "a shipping address")


def lines_plain(lines: Iterable[OrderLine]) -> list[Plain]:
    return [line.plain() for line in lines]


def lines_of_plain(values: object) -> tuple[OrderLine, ...]:
    if not isinstance(values, list | tuple):
        raise MalformedOrderData("an order's items are not a list")
    return tuple(OrderLine.of_plain(line) for line in values)
