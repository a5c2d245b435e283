"""Per-client limits on the routes anyone can call: registrations, guest tokens and failed logins
per client IP, and failed logins per (email, client IP).

Failed logins are counted per email *and* IP, not per email alone, so that a guesser who runs
one email out of attempts locks only themself out: the owner, from their own address, still
logs in. The per-IP limit on failed logins bounds how many emails one address can try.

Before the password is checked, a login reads the address's bucket (along with the email's item,
in the same request) and is refused while it is full; then it holds a slot of its pair's bucket
with one atomic write, so that guesses sent all at once get no more than the pair's limit (and
no more logins to one account from one address than that can be in flight at once). A
success gives the slot back inside its session's transaction (no extra call); a failure keeps it
and takes a slot of the address's bucket. The address's limit is a read, not a hold: a burst of
guesses at *different* emails can pass it together, by at most the login function's reserved
concurrency, once, since holding a slot of an address shared by many people (a carrier's NAT)
would make their logins contend on one item.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from shop.domain.rate_limits import Bucket, ClientLimitPolicy, Limit, Slot, client_key
from shop.errors import RateLimited
from shop.observability import count
from shop.services.auth_ports import RateLimiter, Room

if TYPE_CHECKING:  # a type only: the order ports' imports stay out of the auth functions
    from shop.services.order_ports import TxItem


class ClientLimits:
    def __init__(
        self,
        limiter: RateLimiter,
        policy: ClientLimitPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._limiter, self._policy, self._clock = limiter, policy or ClientLimitPolicy(), clock

    def take_registration(self, source_ip: str) -> None:
        self._take(f"register#ip#{client_key(source_ip)}", self._policy.registrations_per_ip)

    def take_guest_token(self, source_ip: str) -> None:
        self._take(f"guest#ip#{client_key(source_ip)}", self._policy.guest_tokens_per_ip)

    def address_room(self, source_ip: str) -> Room:
        """The address's failed-login bucket, for the user store to read along with the email."""
        bucket, limit = self._address_bucket(source_ip)
        return self._limiter.room(bucket, limit, int(self._clock()))

    def hold_login(self, email_index: str, source_ip: str, address: Room) -> Bucket:
        """Before any password work: RateLimited while the address has no failed logins left
        (`address`, read already), else the attempt holds a slot of its (email, address) pair,
        atomically (RateLimited if there is none), and gets the pair's bucket as its hold left it."""
        pair, pair_limit = self._pair_bucket(email_index, source_ip)
        with _refusals_counted():
            wait = address.wait()
            if wait:
                raise RateLimited(retry_after_seconds=wait)
            return self._limiter.hold(pair, pair_limit, int(self._clock()))

    def login_succeeded(self, email_index: str, source_ip: str) -> TxItem:
        """The element, for the session's transaction, that gives the pair's held slot back."""
        pair, _ = self._pair_bucket(email_index, source_ip)
        return self._limiter.release_element(pair, int(self._clock()))

    def release_login(self, email_index: str, source_ip: str) -> None:
        """Gives the pair's held slot back at once: the attempt was no guess, and starts no session
        (the right password of a disabled account, or refused with a 409)."""
        pair, _ = self._pair_bucket(email_index, source_ip)
        self._limiter.release(pair, int(self._clock()))

    def count_failed_login(self, email_index: str, source_ip: str, held: Bucket) -> None:
        """A failed login keeps its pair's slot (the attempt that `held` the pair's last starts its
        lockout) and takes a slot of the address's bucket. A bucket that filled up meanwhile
        refuses the next attempt's check instead."""
        pair, pair_limit = self._pair_bucket(email_index, source_ip)
        self._limiter.lock_if_full(pair, held, pair_limit, int(self._clock()))
        with contextlib.suppress(RateLimited):
            self._take(*self._address_bucket(source_ip))

    def _pair_bucket(self, email_index: str, source_ip: str) -> tuple[str, Limit]:
        key = f"login#email#{email_index}#ip#{client_key(source_ip)}"
        return key, self._policy.failed_logins_per_email_and_ip

    def _address_bucket(self, source_ip: str) -> tuple[str, Limit]:
        return f"login#ip#{client_key(source_ip)}", self._policy.failed_logins_per_ip

    def _take(self, bucket: str, limit: Limit) -> Slot:
        with _refusals_counted():
            return self._limiter.take(bucket, limit, int(self._clock()))


@contextlib.contextmanager
def _refusals_counted() -> Iterator[None]:
    """Every refusal is counted once, as the RateLimited metric, on its way out."""
    try:
        yield
    except RateLimited:
        count("RateLimited")
        raise
