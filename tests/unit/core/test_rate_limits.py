"""The rules of the per-client limits: windows, growing lockouts, and what counts as one client."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shop.domain.rate_limits import Bucket, Limit, after_attempt, client_key, held, locked_if_full, opened

PAIR = Limit(attempts=3, window_seconds=900, max_lockout_seconds=4 * 3600)


def test_a_window_opens_at_the_first_attempt() -> None:
    bucket = held(None, PAIR, now=1000)
    assert bucket is not None
    assert (bucket.hits, bucket.window_ends, bucket.lockouts, bucket.locked) == (1, 1900, 0, False)


def test_holding_the_last_slot_starts_no_lockout_until_the_attempt_proves_abuse() -> None:
    bucket = held(None, PAIR, now=1000)
    for _ in range(2):
        assert bucket is not None
        bucket = held(bucket, PAIR, now=1100)
    assert bucket is not None
    assert (bucket.hits, bucket.window_ends, bucket.locked) == (3, 1900, False)
    assert held(bucket, PAIR, now=1200) is None  # full
    locked = locked_if_full(bucket, PAIR, now=1200)
    assert (locked.window_ends, locked.lockouts, locked.locked) == (1200 + 900, 1, True)
    assert locked_if_full(replace(bucket, hits=2), PAIR, now=1200).locked is False  # a slot left


def test_a_closed_window_is_opened_afresh_by_the_next_hold() -> None:
    old = Bucket(hits=3, window_ends=1900, lockouts=1, forget_at=1900 + PAIR.memory_seconds, locked=True)
    bucket = held(old, PAIR, now=1900)
    assert bucket is not None
    assert (bucket.hits, bucket.window_ends, bucket.lockouts, bucket.locked) == (1, 2800, 1, False)


def test_running_out_stretches_the_window_into_a_lockout_once() -> None:
    bucket = Bucket(hits=3, window_ends=1900, lockouts=0, forget_at=1900 + PAIR.memory_seconds)
    locked = after_attempt(bucket, PAIR, now=1500)
    assert (locked.window_ends, locked.lockouts, locked.locked) == (1500 + 900, 1, True)
    again = after_attempt(locked, PAIR, now=1600)  # the last attempt given back and taken again
    assert again == locked


@pytest.mark.parametrize(
    ("lockouts", "seconds"), [(1, 900), (2, 1800), (3, 3600), (4, 7200), (5, 14400), (40, 14400)]
)
def test_lockouts_double_up_to_the_cap(lockouts: int, seconds: int) -> None:
    assert PAIR.lockout_seconds(lockouts) == seconds


def test_a_limit_without_a_cap_never_stretches() -> None:
    per_ip = Limit(attempts=2, window_seconds=900)
    bucket = Bucket(hits=2, window_ends=1900, lockouts=0, forget_at=1900 + per_ip.memory_seconds)
    assert after_attempt(bucket, per_ip, now=1800) == bucket


def test_lockouts_are_remembered_until_the_bucket_is_forgotten() -> None:
    old = Bucket(hits=3, window_ends=1900, lockouts=2, forget_at=5000, locked=True)
    assert opened(old, PAIR, now=4999).lockouts == 2
    assert opened(old, PAIR, now=5000).lockouts == 0


@pytest.mark.parametrize(
    ("source_ip", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),  # one household, one bucket
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("", "unknown"),
        ("not an address", "unknown"),
    ],
)
def test_a_client_is_its_address_or_its_ipv6_64(source_ip: str, key: str) -> None:
    assert client_key(source_ip) == key
