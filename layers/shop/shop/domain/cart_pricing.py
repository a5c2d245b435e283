"""Pricing a cart with the catalog's current prices, and the checks a freshly written line must pass.

A line whose product is gone, no longer ACTIVE, or now in another currency than the cart is not
purchasable: the priced cart and checkout leave it out (`on_sale`), and it is pruned when it stands in
the way (a full cart). The cart's currency is that of its oldest purchasable line (USD when there is
none).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

from shop.domain.cart import DEFAULT_CURRENCY, CartLine, StoredCart, ordered
from shop.domain.catalog import Product
from shop.errors import CurrencyMismatch, InsufficientStock, NotFound


@dataclass(frozen=True)
class PricedLine:
    product_id: str
    sku: str
    name: str
    unit_price_cents: int
    quantity: int
    line_total_cents: int


@dataclass(frozen=True)
class PricedCart:
    items: tuple[PricedLine, ...]
    item_count: int
    subtotal_cents: int
    currency: str
    updated_at: str | None


class Saleable(Protocol):
    """What decides whether a line can be bought: the catalog's product, or checkout's snapshot of it."""

    @property
    def status(self) -> str: ...

    @property
    def currency(self) -> str: ...


LineT = TypeVar("LineT")
ProductT = TypeVar("ProductT", bound=Saleable)


def is_purchasable(product: Saleable | None) -> bool:
    return product is not None and product.status == "ACTIVE"


def on_sale(lines: Iterable[tuple[LineT, ProductT | None]]) -> tuple[str, list[tuple[LineT, ProductT]]]:
    """The cart's currency and the lines it can sell, from its lines oldest first with their products:
    those of ACTIVE products, in the currency of the oldest of them (lines in another currency cannot
    be summed with it)."""
    live = [(line, product) for line, product in lines if product is not None and is_purchasable(product)]
    currency = live[0][1].currency if live else DEFAULT_CURRENCY
    return currency, [(line, product) for line, product in live if product.currency == currency]


def price_cart(cart: StoredCart, products: Mapping[str, Product]) -> PricedCart:
    """Price with the catalog's current prices, the lines `on_sale` only."""
    currency, live = on_sale((line, products.get(line.product_id)) for line in ordered(cart.lines))
    items = tuple(
        PricedLine(p.id, p.sku, p.name, p.price_cents, line.quantity, p.price_cents * line.quantity)
        for line, p in live
    )
    return PricedCart(
        items=items,
        item_count=sum(item.quantity for item in items),
        subtotal_cents=sum(item.line_total_cents for item in items),
        currency=currency,
        updated_at=cart.updated_at,
    )


def stale_lines(cart: StoredCart, products: Mapping[str, Product]) -> list[CartLine]:
    """Lines the priced cart leaves out: they take a line slot but can never be bought."""
    priced = {item.product_id for item in price_cart(cart, products).items}
    return [line for line in cart.lines if line.product_id not in priced]


def check_line(priced: PricedCart, product: Product | None, product_id: str, quantity: int) -> None:
    """A line just written must name a buyable product in the cart's currency, with enough stock."""
    if product is None or not is_purchasable(product):
        raise NotFound("No such product.")
    if product.currency != priced.currency:
        raise CurrencyMismatch(
            f"This cart is in {priced.currency}; the product is priced in {product.currency}.",
            details={"cart_currency": priced.currency, "product_currency": product.currency},
        )
    if quantity > product.stock_available:
        details = [{"product_id": product_id, "requested": quantity, "available": product.stock_available}]
        raise InsufficientStock(details=details)
