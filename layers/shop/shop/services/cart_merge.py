"""merge_guest_cart: on register or login with a guest token, the guest's cart joins the user's.

Read both carts, merge them by the domain's rules, then write the user's cart and delete the guest's
in one transaction conditioned on both versions read. A concurrent change to either cart (the
user adding from another device, the same guest logging in twice at once) cancels the transaction;
the merge then reads again and retries, so no line is lost or counted twice. Merging a missing or
empty guest cart changes nothing, which also makes a second merge of the same guest harmless.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from shop.backoff import retried
from shop.domain.cart import CartChanged, merge_lines
from shop.errors import Conflict
from shop.services.cart_ports import CartStore

MAX_ATTEMPTS = 5  # fewer than shop.backoff's: a login waits for it


def _utc_now() -> datetime:
    return datetime.now(UTC)


class GuestCartMerge:
    """Implements shop.services.auth_ports.GuestCartMerger for the auth service."""

    def __init__(
        self,
        carts: CartStore,
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._carts, self._clock, self._sleep = carts, clock, sleep

    def merge_guest_cart(self, guest_id: str, user_id: str) -> None:
        if guest_id == user_id:
            return

        def attempt() -> None:
            guest, user = self._carts.get_pair(guest_id, user_id)
            if guest.lines:
                self._carts.save_merge(user, merge_lines(user.lines, guest.lines), guest, self._clock())

        retried(attempt, lost=CartChanged, gave_up=_kept_changing, attempts=MAX_ATTEMPTS, sleep=self._sleep)


def _kept_changing(_: CartChanged) -> Conflict:
    return Conflict("The cart changed while it was being merged; try again.")
