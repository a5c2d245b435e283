"""merge_guest_cart: on register or login with a guest token, the guest's cart joins the user's.

Read both carts, merge them by the domain's rules, then write the user's cart and delete the guest's
in one transaction conditioned on both versions read. A concurrent change to either cart (the
user adding from another device, the same guest logging in twice at once) cancels the transaction;
the merge then reads again and retries, so no line is lost or counted twice. Merging a missing or
empty guest cart changes nothing, which also makes a second merge of the same guest harmless.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

from shop.domain.cart import CartChanged, merge_lines
from shop.errors import Conflict
from shop.services.cart_ports import CartStore

MAX_ATTEMPTS = 5
BASE_DELAY_SECONDS = 0.02


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
        for attempt in range(MAX_ATTEMPTS):
            guest, user = self._carts.get_pair(guest_id, user_id)
            if not guest.lines:
                return
            try:
                self._carts.save_merge(user, merge_lines(user.lines, guest.lines), guest, self._clock())
                return
            except CartChanged:
                self._sleep(random.uniform(0, BASE_DELAY_SECONDS * 2**attempt))  # noqa: S311 - jitter
        raise Conflict("The cart changed while it was being merged; try again.")
