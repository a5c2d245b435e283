"""The ports the cart use cases talk to: the carts' storage and the catalog's current products.

Adapters implement them on DynamoDB (shop.adapters.carts.carts_dynamo, shop.adapters.catalog.product_prices_dynamo);
unit tests implement them in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from shop.domain.cart import CartLine, CartOwner, StoredCart
from shop.domain.catalog import Product


class CartStore(Protocol):
    """Every write is one conditional write that enforces the line limits itself (never read, then
    write), gives the cart a new version, and for guests pushes expiry a week ahead."""

    def get(self, owner_id: str) -> StoredCart:
        """The stored cart, or an empty one (version None) if there is none."""
        ...

    def get_pair(self, first_id: str, second_id: str) -> tuple[StoredCart, StoredCart]:
        """Two carts in one read (merging)."""
        ...

    def add_line(
        self, owner: CartOwner, product_id: str, quantity: int, now: datetime
    ) -> tuple[StoredCart, StoredCart]:
        """Add to a line (creating it); returns the cart before and after. CartFull when a new line
        would be line 51; ValidationFailed (body.quantity) when the line would pass 99."""
        ...

    def set_line(
        self, owner: CartOwner, product_id: str, quantity: int, now: datetime
    ) -> tuple[StoredCart, StoredCart]:
        """Set a line's quantity (1..99, creating it); before and after. CartFull as add_line."""
        ...

    def remove_line(self, owner: CartOwner, product_id: str, now: datetime) -> tuple[bool, StoredCart]:
        """Remove a line if it is there: whether it was, and the cart after."""
        ...

    def restore_line(
        self, owner: CartOwner, product_id: str, before: CartLine | None, written: CartLine, now: datetime
    ) -> None:
        """Undo a line write that failed its checks, unless the line changed again since."""
        ...

    def remove_lines(self, owner: CartOwner, product_ids: Sequence[str], now: datetime) -> None: ...

    def empty(self, owner_id: str) -> None: ...

    def save_merge(
        self, user: StoredCart, merged: Sequence[CartLine], guest: StoredCart, now: datetime
    ) -> None:
        """Write the user's merged cart and delete the guest's, both or neither; CartChanged if either
        cart is no longer the version read."""
        ...


class ProductCatalog(Protocol):
    def products(
        self, product_ids: Iterable[str], *, needed: Mapping[str, int] | None = None
    ) -> dict[str, Product]:
        """The current products among these ids (unknown ids are simply absent): prices and status as
        they are now. Stock is counted only as far as a cart needs it, since a cart never shows it: a
        product that `needed` names has a `stock_available` of at least that many units if it has
        them, and its exact stock if it has fewer; any other product's may fall short of its stock."""
        ...
