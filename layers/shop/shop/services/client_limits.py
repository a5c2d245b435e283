"""Per-client limits on the routes anyone can call: registrations, guest tokens and failed logins
per client IP, and failed logins per (email, client IP).

Failed logins are counted per email *and* IP, not per email alone, so that a guesser who runs
one email out of attempts locks only themself out: the owner, from their own address, still
logs in. The per-IP limit on failed logins bounds how many emails one address can try. A login
reads both buckets before the password is checked and is refused at once while either is full;
only a failure takes slots, so a success costs one read. Guesses sent all at once can pass the
read together: a burst gets at most the login function's reserved concurrency past the limit,
once, and then the pair is locked out like any other.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from shop.domain.rate_limits import ClientLimitPolicy, Limit, Slot, client_key
from shop.errors import RateLimited
from shop.observability import count
from shop.services.auth_ports import RateLimiter


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

    def check_login(self, email_index: str, source_ip: str) -> None:
        """Before any password work: RateLimited while the (email, address) pair or the address has
        no failed logins left (one read of both buckets)."""
        wait = self._limiter.full_for(self._login_buckets(email_index, source_ip), int(self._clock()))
        if wait:
            count("RateLimited")
            raise RateLimited(retry_after_seconds=wait)

    def count_failed_login(self, email_index: str, source_ip: str) -> None:
        """A failed login takes a slot in both buckets (atomically; the pair's last slot starts its
        lockout). A bucket that filled up meanwhile refuses the next attempt's check instead."""
        for bucket, limit in self._login_buckets(email_index, source_ip):
            try:
                self._take(bucket, limit)
            except RateLimited:
                continue

    def _login_buckets(self, email_index: str, source_ip: str) -> list[tuple[str, Limit]]:
        client = client_key(source_ip)
        return [
            (f"login#email#{email_index}#ip#{client}", self._policy.failed_logins_per_email_and_ip),
            (f"login#ip#{client}", self._policy.failed_logins_per_ip),
        ]

    def _take(self, bucket: str, limit: Limit) -> Slot:
        try:
            return self._limiter.take(bucket, limit, int(self._clock()))
        except RateLimited:
            count("RateLimited")
            raise
