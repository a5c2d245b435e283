"""Cart rules: what a stored cart is, its limits, how a line changes and how two carts merge.

A stored cart keeps only product ids, quantities and when each line was added: prices, names and
stock always come from the catalog at read time (shop.domain.cart_pricing), so a cart can never
show or check out a stale price.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from shop.errors import ValidationFailed

MAX_QUANTITY = 99
MAX_LINES = 50
GUEST_CART_TTL_SECONDS = 7 * 24 * 3600
DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True)
class CartOwner:
    """Whose cart: a user's id or a guest token's subject. Only guest carts expire."""

    id: str
    is_guest: bool


@dataclass(frozen=True)
class CartLine:
    product_id: str
    quantity: int
    added_at: str


@dataclass(frozen=True)
class StoredCart:
    """A cart as stored. `version` is an opaque revision that changes on every write (None: no cart)."""

    owner_id: str
    lines: tuple[CartLine, ...] = ()
    version: str | None = None
    updated_at: str | None = None

    def line(self, product_id: str) -> CartLine | None:
        return next((line for line in self.lines if line.product_id == product_id), None)

    @property
    def product_ids(self) -> list[str]:
        return [line.product_id for line in self.lines]


class CartChanged(Exception):
    """The cart changed between our read and our conditional write: read again and retry."""


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def expires_at(owner: CartOwner, moment: datetime) -> int | None:
    """Guest carts are dropped (DynamoDB TTL) a week after their last change; user carts are kept."""
    return int(moment.timestamp()) + GUEST_CART_TTL_SECONDS if owner.is_guest else None


def check_quantity(quantity: object, *, allow_zero: bool = False) -> int:
    """Strictly a whole number in range: True, 2.0 and "2" are not quantities."""
    low = 0 if allow_zero else 1
    if type(quantity) is not int or not low <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(
            details=[{"field": "body.quantity", "message": f"must be a whole number, {low}..{MAX_QUANTITY}"}]
        )
    return quantity


def line_over_limit() -> ValidationFailed:
    return ValidationFailed(
        details=[{"field": "body.quantity", "message": f"would make the line more than {MAX_QUANTITY}"}]
    )


def ordered(lines: Iterable[CartLine]) -> tuple[CartLine, ...]:
    """Oldest line first, so a cart reads (and is trimmed) the same way every time."""
    return tuple(sorted(lines, key=lambda line: (line.added_at, line.product_id)))


def with_quantity(cart: StoredCart, product_id: str, quantity: int, now: str) -> tuple[CartLine, ...]:
    """The cart's lines with one line set to `quantity` (0 removes it); a new line is added `now`."""
    old = cart.line(product_id)
    others = [line for line in cart.lines if line.product_id != product_id]
    if quantity == 0:
        return ordered(others)
    line = replace(old, quantity=quantity) if old else CartLine(product_id, quantity, now)
    return ordered([*others, line])


def merge_lines(user: Sequence[CartLine], guest: Sequence[CartLine]) -> tuple[CartLine, ...]:
    """The user's lines, with the guest's quantities added (capped at 99 a line), then the guest's
    other lines oldest first while there is room: beyond 50 lines the guest's newest lines drop."""
    from_guest = {line.product_id: line for line in guest}
    merged = [
        replace(line, quantity=min(MAX_QUANTITY, line.quantity + from_guest.pop(line.product_id).quantity))
        if line.product_id in from_guest
        else line
        for line in ordered(user)
    ]
    room = max(0, MAX_LINES - len(merged))
    extra = [
        replace(line, quantity=min(MAX_QUANTITY, line.quantity)) for line in ordered(from_guest.values())
    ]
    return ordered(merged + extra[:room])
