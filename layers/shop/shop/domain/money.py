"""Order money: integer minor units only, one currency per order, and the shipping rule.

Shipping is a flat fee with a free-shipping threshold, both in the order's minor units: simple
enough for a customer to predict from the cart, and frozen into the order at checkout.
"""

from __future__ import annotations

from collections.abc import Iterable

from shop.errors import CurrencyMismatch

FLAT_SHIPPING_CENTS = 499
FREE_SHIPPING_FROM_CENTS = 5000


def shipping_cents(subtotal_cents: int) -> int:
    """499 below a 5000 subtotal, free from 5000 on."""
    return 0 if subtotal_cents >= FREE_SHIPPING_FROM_CENTS else FLAT_SHIPPING_CENTS


def line_total_cents(unit_price_cents: int, quantity: int) -> int:
    return unit_price_cents * quantity


def single_currency(currencies: Iterable[str]) -> str:
    """The one currency of an order: a cart mixing currencies cannot be charged as one amount."""
    found = set(currencies)
    if len(found) != 1:
        raise CurrencyMismatch(
            "The cart holds products priced in different currencies; check them out separately."
        )
    return found.pop()
