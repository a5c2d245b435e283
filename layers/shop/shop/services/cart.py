"""The cart use cases: view, add, set, remove, empty; every answer priced with current catalog prices.

Call budget: a read is GetItem (cart) + BatchGetItem (its products). A line write is one
conditional UpdateItem (which enforces 50 lines and 99 a line atomically and hands back the cart)
followed by one BatchGetItem of every product in the new cart: the product being added is
validated from that same batch (one more read of its other stock shards only when the line needs
more units than its first shard holds). The write comes first because only it tells, atomically, which
products are in the cart; when the line then fails its checks (unknown or inactive product, other
currency, not enough stock) or cannot be checked (the catalog read failed) the write is undone before
the error is answered, so a client retrying after an error never adds twice. Every state the undo
can leave behind if it never runs (a crash) is one the cart already tolerates: a line of an
inactive product is hidden, a quantity above the stock is refused at checkout.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from shop.domain.cart import CartOwner, StoredCart, check_quantity, timestamp
from shop.domain.cart_pricing import PricedCart, check_line, is_purchasable, price_cart, stale_lines
from shop.domain.catalog import Product
from shop.errors import CartFull, NotFound, ShopError
from shop.services.cart_ports import CartStore, ProductCatalog

logger = Logger(service="shop")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CartService:
    def __init__(
        self, carts: CartStore, catalog: ProductCatalog, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self._carts, self._catalog, self._clock = carts, catalog, clock

    def view(self, owner: CartOwner) -> PricedCart:
        return self._priced(self._carts.get(owner.id))

    def add_item(self, owner: CartOwner, product_id: str, quantity: int) -> PricedCart:
        """Adds to the line's quantity; the resulting line must stay within 99 and the stock."""
        check_quantity(quantity)
        return self._write_line(owner, product_id, quantity, adding=True)

    def set_quantity(self, owner: CartOwner, product_id: str, quantity: int) -> PricedCart:
        """Sets the line's quantity, creating the line; 0 removes it (whatever the product's state)."""
        if check_quantity(quantity, allow_zero=True) == 0:
            return self.remove_item(owner, product_id)
        return self._write_line(owner, product_id, quantity, adding=False)

    def remove_item(self, owner: CartOwner, product_id: str) -> PricedCart:
        """A line in the cart goes whatever its product's state (a hidden line too). Removing a line
        that is not there is not an error, the answer is the cart as it is, unless the product is
        unknown or not on sale: 404, as for any other cart operation on it."""
        removed, cart = self._carts.remove_line(owner, product_id, self._clock())
        if removed:
            return self._priced(cart)
        products = self._catalog.products([*cart.product_ids, product_id])  # one read for both
        if not is_purchasable(products.get(product_id)):
            raise NotFound("No such product.")
        return self._priced(cart, products)

    def empty(self, owner: CartOwner) -> None:
        self._carts.empty(owner.id)

    def _write_line(self, owner: CartOwner, product_id: str, quantity: int, *, adding: bool) -> PricedCart:
        write = self._carts.add_line if adding else self._carts.set_line
        try:
            before, after = write(owner, product_id, quantity, self._clock())
        except ShopError as refused:
            self._require_purchasable(product_id)  # an unknown product is a 404 even in a full cart
            if not isinstance(refused, CartFull) or not self._prune_stale_lines(owner):
                raise
            before, after = write(owner, product_id, quantity, self._clock())
        written = after.line(product_id)
        assert written is not None  # the write just made this line
        try:
            products = self._catalog.products(after.product_ids, needed={product_id: written.quantity})
            priced = price_cart(after, products)
            check_line(priced, products.get(product_id), product_id, written.quantity)
        except Exception:  # refused, or the catalog read failed: the caller must not see a half-done add
            self._carts.restore_line(owner, product_id, before.line(product_id), written, self._clock())
            raise
        return priced

    def _require_purchasable(self, product_id: str) -> None:
        if not is_purchasable(self._catalog.products([product_id]).get(product_id)):
            raise NotFound("No such product.")

    def _prune_stale_lines(self, owner: CartOwner) -> bool:
        """A full cart may be full of lines nobody can buy any more (hidden from its owner): drop them."""
        cart = self._carts.get(owner.id)
        stale = stale_lines(cart, self._catalog.products(cart.product_ids))
        if stale:
            logger.info("pruning stale cart lines", extra={"lines": len(stale)})
            self._carts.remove_lines(owner, [line.product_id for line in stale], self._clock())
        return bool(stale)

    def _priced(self, cart: StoredCart, products: Mapping[str, Product] | None = None) -> PricedCart:
        """A cart never written (or emptied) reads as empty, in USD, "updated" now."""
        if products is None:
            products = self._catalog.products(cart.product_ids) if cart.lines else {}
        priced = price_cart(cart, products)
        return priced if priced.updated_at else replace(priced, updated_at=timestamp(self._clock()))
