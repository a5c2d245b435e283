"""Rate limits on what anyone can call without an account: the rules, free of any storage.

A bucket (one action by one client, or one email from one client) admits `attempts` in a window
that opens at its first attempt; when they are used up it refuses until the window closes. A
limit with a lockout cap also punishes persistence: each time the bucket runs out, its window is
stretched to window x 2^(n-1) from that moment (n counting the times it ran out, remembered for
a while after the window closes), so a patient guesser gets ever fewer tries while everyone else
is untouched. Buckets are keyed by client address: an IPv6 client is its /64, since that is the
least a network hands one household and an attacker can walk the rest of it for free.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

UNKNOWN_CLIENT = "unknown"


@dataclass(frozen=True)
class Limit:
    attempts: int
    window_seconds: int
    max_lockout_seconds: int = 0
    """0: a bucket that runs out waits for its window to close; otherwise the growing lockout's cap."""

    @property
    def grows(self) -> bool:
        return self.max_lockout_seconds > 0

    @property
    def memory_seconds(self) -> int:
        """How long after its window closes a bucket still counts its lockouts."""
        return max(self.window_seconds, self.max_lockout_seconds)

    def lockout_seconds(self, lockouts: int) -> int:
        """How long the bucket stays shut after it runs out for the `lockouts`-th time (1, 2, ...)."""
        doubling = self.window_seconds * 2 ** min(max(lockouts, 1) - 1, 32)
        return min(doubling, self.max_lockout_seconds) if self.grows else self.window_seconds


@dataclass(frozen=True)
class Bucket:
    hits: int
    window_ends: int
    lockouts: int
    forget_at: int
    """After this the bucket's history is gone (the storage may delete it)."""
    locked: bool = False
    """This window has been stretched into a lockout already (once per window, however often the
    last attempt is given back and taken again)."""

    def is_open(self, now: int) -> bool:
        return self.window_ends > now

    def retry_after(self, now: int) -> int:
        return max(1, self.window_ends - now)


def opened(previous: Bucket | None, limit: Limit, now: int) -> Bucket:
    """A new window from now, no attempt in it yet; earlier lockouts count if still remembered."""
    lockouts = previous.lockouts if previous is not None and previous.forget_at > now else 0
    ends = now + limit.window_seconds
    return Bucket(0, ends, lockouts, ends + limit.memory_seconds)


def wait_for_room(bucket: Bucket | None, limit: Limit, now: int) -> int:
    """Seconds until the bucket admits an attempt again (0: it has room now)."""
    if bucket is None or not bucket.is_open(now) or bucket.hits < limit.attempts:
        return 0
    return bucket.retry_after(now)


def held(previous: Bucket | None, limit: Limit, now: int) -> Bucket | None:
    """The bucket once an attempt holds one of its slots before its outcome is known (None: no
    slot left). Unlike `after_attempt`, holding the last slot starts no lockout: `locked_if_full`
    does, once the attempt proved to be abuse."""
    bucket = previous if previous is not None and previous.is_open(now) else opened(previous, limit, now)
    return replace(bucket, hits=bucket.hits + 1) if bucket.hits < limit.attempts else None


def locked_if_full(bucket: Bucket, limit: Limit, now: int) -> Bucket:
    """The bucket after a held attempt turned out to be abuse: if its slots are all used, the window
    becomes the next lockout (as `after_attempt` does for a slot taken outright)."""
    return after_attempt(bucket, limit, now) if bucket.is_open(now) else bucket


def after_attempt(bucket: Bucket, limit: Limit, now: int) -> Bucket:
    """The bucket once an attempt is admitted: if that used the last one, a growing limit stretches
    the window into the next, longer lockout."""
    if bucket.hits < limit.attempts or not limit.grows or bucket.locked:
        return bucket
    lockouts = bucket.lockouts + 1
    ends = max(bucket.window_ends, now + limit.lockout_seconds(lockouts))
    forget_at = ends + limit.memory_seconds
    return replace(bucket, window_ends=ends, lockouts=lockouts, forget_at=forget_at, locked=True)


@dataclass(frozen=True)
class Slot:
    """An admitted attempt, to give back if it turns out to be no abuse (a login that succeeded)."""

    bucket: str
    window_ends: int


def client_key(source_ip: str) -> str:
    """The bucket key of a client address: the address itself, an IPv6 address's /64, or
    `unknown` when there is none (a caller outside API Gateway: all such callers share one bucket)."""
    try:
        address = ipaddress.ip_address(source_ip.strip())
    except ValueError:
        return UNKNOWN_CLIENT
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(frozen=True)
class ClientLimitPolicy:
    """The thresholds, from settings. The defaults (the template's too) are well above the
    contract's floor for the local shop (300 registrations, 300 guest tokens, 50 failed logins per
    address in 15 minutes), since many people can share one address behind a NAT."""

    registrations_per_ip: Limit = Limit(1000, 900)
    guest_tokens_per_ip: Limit = Limit(1000, 900)
    failed_logins_per_ip: Limit = Limit(100, 900)
    failed_logins_per_email_and_ip: Limit = Limit(5, 900, 6 * 3600)
