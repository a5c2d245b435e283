"""Stock arithmetic: levels, and the rule an adjustment must keep (available never below zero)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shop.domain.catalog import Product
from shop.errors import ValidationFailed

MAX_ADJUSTMENT = 1_000_000
REASON_MAX = 200


@dataclass(frozen=True)
class StockLevels:
    """A product's stock. available + reserved + sold changes only through adjustments."""

    product_id: str
    available: int
    reserved: int
    sold: int


def summed(product_id: str, shards: Iterable[StockLevels]) -> StockLevels:
    """A product's levels: the sums over its stock shards (shop.domain.stock_shards)."""
    levels = list(shards)
    return StockLevels(
        product_id,
        sum(s.available for s in levels),
        sum(s.reserved for s in levels),
        sum(s.sold for s in levels),
    )


@dataclass(frozen=True)
class StockedProduct:
    """A product with its full levels: a row of the low-stock report."""

    product: Product
    levels: StockLevels


def check_adjustment(delta: int, reason: str) -> None:
    details = []
    if type(delta) is not int or delta == 0 or abs(delta) > MAX_ADJUSTMENT:
        details.append(
            {"field": "body.delta", "message": f"must be a non-zero integer within ±{MAX_ADJUSTMENT}"}
        )
    if not isinstance(reason, str) or not reason.strip() or len(reason) > REASON_MAX:
        details.append({"field": "body.reason", "message": f"must be 1..{REASON_MAX} characters"})
    if details:
        raise ValidationFailed(details=details)


def needed_available(delta: int) -> int:
    """How much must be available for `delta` to apply without going below zero."""
    return max(0, -delta)
