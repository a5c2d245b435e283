"""The rate limiter on the emulator's RateLimitsTable (from template.yaml): exactly the limit
under a burst, slots given back one by one, lockouts that grow."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shop.adapters.aws import client
from shop.adapters.rate_limits.rate_limits_dynamo import DynamoRateLimiter
from shop.config import settings
from shop.domain.rate_limits import Limit
from shop.errors import RateLimited

pytestmark = pytest.mark.integration


@pytest.fixture
def limiter(stack: Any) -> DynamoRateLimiter:
    return DynamoRateLimiter(client("dynamodb"), settings().rate_limits_table)


def bucket() -> str:
    return f"test#{uuid.uuid4().hex}"


def test_a_burst_gets_exactly_the_limit(limiter: DynamoRateLimiter) -> None:
    name, now, limit = bucket(), int(time.time()), Limit(5, 900)

    def attempt(_: int) -> str:
        try:
            limiter.take(name, limit, now)
        except RateLimited as exc:
            assert 0 < exc.retry_after_seconds <= 900
            return "limited"
        return "admitted"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    assert outcomes.count("admitted") == 5
    with pytest.raises(RateLimited) as limited:
        limiter.take(name, limit, now + 600)
    assert limited.value.retry_after_seconds == 300
    assert limiter.take(name, limit, now + 900).window_ends == now + 900 + 900  # a fresh window


def test_a_slot_given_back_is_only_that_one(limiter: DynamoRateLimiter) -> None:
    name, now, limit = bucket(), int(time.time()), Limit(5, 900)
    slots = [limiter.take(name, limit, now) for _ in range(5)]
    limiter.give_back(slots[-1])
    limiter.take(name, limit, now)
    with pytest.raises(RateLimited):
        limiter.take(name, limit, now)


def test_a_slot_of_a_closed_window_does_not_come_back_into_the_next(limiter: DynamoRateLimiter) -> None:
    name, now, limit = bucket(), int(time.time()), Limit(2, 900)
    old = limiter.take(name, limit, now)
    limiter.take(name, limit, now + 900)
    limiter.take(name, limit, now + 900)
    limiter.give_back(old)
    with pytest.raises(RateLimited):
        limiter.take(name, limit, now + 901)


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
