"""Per-client limits on the routes anyone can call: registrations, guest tokens and failed logins
per client IP, and failed logins per (email, client IP).

Failed logins are counted per email *and* IP, not per email alone, so that a guesser who runs
one email out of attempts locks only themself out: the owner, from their own address, still
logs in. The per-IP limit on failed logins bounds how many emails one address can try. A login
takes its slots before the password is checked and gives them back when it succeeds, so only
failures count.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from shop.domain.rate_limits import ClientLimitPolicy, Limit, Slot, client_key
from shop.errors import RateLimited
from shop.observability import count
from shop.services.auth_ports import RateLimiter


@dataclass(frozen=True)
class LoginSlots:
    per_email_and_ip: Slot
    per_ip: Slot


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

    def take_login(self, email_index: str, source_ip: str) -> LoginSlots:
        """Both slots of one login attempt, or RateLimited (and neither kept)."""
        client = client_key(source_ip)
        pair = self._take(
            f"login#email#{email_index}#ip#{client}", self._policy.failed_logins_per_email_and_ip
        )
        try:
            per_ip = self._take(f"login#ip#{client}", self._policy.failed_logins_per_ip)
        except RateLimited:
            self._limiter.give_back(pair)  # no password was checked: this was no guess at that email
            raise
        return LoginSlots(pair, per_ip)

    def forgive_login(self, slots: LoginSlots) -> None:
        """A login that succeeded was no guess: its slots come back."""
        self._limiter.give_back(slots.per_email_and_ip)
        self._limiter.give_back(slots.per_ip)

    def _take(self, bucket: str, limit: Limit) -> Slot:
        try:
            return self._limiter.take(bucket, limit, int(self._clock()))
        except RateLimited:
            count("RateLimited")
            raise
