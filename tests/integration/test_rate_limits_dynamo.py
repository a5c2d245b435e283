"""The rate limiter on the emulator's RateLimitsTable (from template.yaml): exactly the limit
under a burst, held slots given back in a transaction, lockouts that grow."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shop.adapters.aws import client
from shop.adapters.busy_transactions import transact_write
from shop.adapters.rate_limits.rate_limits_dynamo import DynamoRateLimiter
from shop.config import settings
from shop.domain.rate_limits import Bucket, Limit
from shop.errors import RateLimited

pytestmark = pytest.mark.integration


@pytest.fixture
def limiter(stack: Any) -> DynamoRateLimiter:
    return DynamoRateLimiter(client("dynamodb"), settings().rate_limits_table)


def bucket() -> str:
    return f"test#{uuid.uuid4().hex}"


def burst(attempt: Callable[[], object], times: int = 20) -> int:
    """How many of `times` parallel attempts were admitted (the others: RateLimited)."""

    def one(_: int) -> bool:
        try:
            attempt()
        except RateLimited as exc:
            assert 0 < exc.retry_after_seconds <= 900
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        return sum(pool.map(one, range(times)))


def test_a_burst_gets_exactly_the_limit(limiter: DynamoRateLimiter) -> None:
    name, now, limit = bucket(), int(time.time()), Limit(5, 900)
    assert burst(lambda: limiter.take(name, limit, now)) == 5
    with pytest.raises(RateLimited) as limited:
        limiter.take(name, limit, now + 600)
    assert limited.value.retry_after_seconds == 300
    assert limiter.take(name, limit, now + 900).window_ends == now + 900 + 900  # a fresh window


def test_a_burst_of_holds_gets_exactly_the_limit_and_starts_no_lockout(limiter: DynamoRateLimiter) -> None:
    name, now, limit = bucket(), int(time.time()), Limit(5, 900, 3600)
    holds: list[Bucket] = []
    assert burst(lambda: holds.append(limiter.hold(name, limit, now))) == 5
    assert sorted(held.hits for held in holds) == [1, 2, 3, 4, 5]
    with pytest.raises(RateLimited) as limited:
        limiter.hold(name, limit, now + 60)
    assert limited.value.retry_after_seconds == 900 - 60  # full, but no lockout yet
    second_to_last = next(held for held in holds if held.hits == 4)
    limiter.lock_if_full(name, second_to_last, limit, now + 60)  # a guess, but not the last slot's
    with pytest.raises(RateLimited) as still:
        limiter.hold(name, limit, now + 60)
    assert still.value.retry_after_seconds == 900 - 60
    last = next(held for held in holds if held.hits == 5)
    limiter.lock_if_full(name, last, limit, now + 60)  # the last hold proved to be a guess
    with pytest.raises(RateLimited) as locked:
        limiter.hold(name, limit, now + 61)
    assert locked.value.retry_after_seconds == 900 - 1


def test_a_held_slot_released_in_a_transaction_comes_back(limiter: DynamoRateLimiter) -> None:
    name, now, limit = bucket(), int(time.time()), Limit(2, 900)
    limiter.hold(name, limit, now)
    limiter.hold(name, limit, now)
    transact_write(client("dynamodb"), [limiter.release_element(name, now)])
    limiter.hold(name, limit, now)
    with pytest.raises(RateLimited):
        limiter.hold(name, limit, now)


def test_the_last_hold_starts_no_lockout_once_a_slot_came_back(limiter: DynamoRateLimiter) -> None:
    """Its bucket changed since the hold: a success gave a slot back, so it was not the last."""
    name, now, limit = bucket(), int(time.time()), Limit(2, 900, 3600)
    limiter.hold(name, limit, now)
    last = limiter.hold(name, limit, now)
    limiter.release(name, now)  # the first attempt was the owner's
    limiter.lock_if_full(name, last, limit, now + 60)
    limiter.hold(name, limit, now + 60)
    with pytest.raises(RateLimited) as full:
        limiter.hold(name, limit, now + 60)
    assert full.value.retry_after_seconds == 900 - 60  # the window's end: no lockout


def test_a_release_on_its_own_never_goes_below_zero(limiter: DynamoRateLimiter) -> None:
    """A login that failed after its session's transaction gave its slot back gives none twice."""
    name, now, limit = bucket(), int(time.time()), Limit(2, 900)
    limiter.release(name, now)
    assert limiter.read_item(name) is None  # no bucket: none is made
    limiter.hold(name, limit, now)
    limiter.release(name, now)
    limiter.release(name, now)  # already given back: nothing more
    limiter.hold(name, limit, now)
    limiter.hold(name, limit, now)
    with pytest.raises(RateLimited):
        limiter.hold(name, limit, now)


def test_a_release_never_fails_its_transaction_even_if_the_bucket_is_gone(limiter: DynamoRateLimiter) -> None:
    name, now, limit = bucket(), int(time.time()), Limit(2, 900)
    transact_write(client("dynamodb"), [limiter.release_element(name, now)])  # no item: no condition
    limiter.hold(name, limit, now + 1)  # the closed window it left is opened afresh
    limiter.hold(name, limit, now + 1)
    with pytest.raises(RateLimited) as limited:
        limiter.hold(name, limit, now + 1)
    assert limited.value.retry_after_seconds == 900


def test_a_room_reads_the_bucket_itself_if_no_store_read_it(limiter: DynamoRateLimiter) -> None:
    name, now, limit = bucket(), int(time.time()), Limit(2, 900)
    assert limiter.room(name, limit, now).wait() == 0
    limiter.take(name, limit, now)
    limiter.take(name, limit, now)
    assert limiter.room(name, limit, now + 100).wait() == 800
    assert limiter.room(name, limit, now + 900).wait() == 0  # the window has closed


def test_each_lockout_of_a_growing_limit_is_twice_the_last(limiter: DynamoRateLimiter) -> None:
    name, now, limit = bucket(), int(time.time()), Limit(2, 900, 3600)
    waits = []
    for _ in range(4):
        limiter.take(name, limit, now)
        limiter.take(name, limit, now)  # the last attempt: the window becomes a lockout
        with pytest.raises(RateLimited) as limited:
            limiter.take(name, limit, now)
        waits.append(limited.value.retry_after_seconds)
        now += limited.value.retry_after_seconds
    assert waits == [900, 1800, 3600, 3600]
    item = client("dynamodb").get_item(TableName=settings().rate_limits_table, Key={"pk": {"S": name}})[
        "Item"
    ]
    assert int(item["expires_at"]["N"]) > now  # DynamoDB's TTL forgets it after its memory ends
