"""The one retry policy: botocore's retries never outlast the invocation (docs/decisions/retry-policy.md)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from shop import deadline
from shop.adapters.aws import (
    ATTEMPT_SECONDS,
    CONNECT_TIMEOUT,
    MAX_ATTEMPTS,
    READ_TIMEOUT,
    OutOfTime,
    stop_retrying_in_time,
)


def request(attempt: int) -> SimpleNamespace:
    return SimpleNamespace(
        url="https://dynamodb.us-east-1.amazonaws.com/", context={"retries": {"attempt": attempt}}
    )


def lambda_context(seconds_left: float) -> SimpleNamespace:
    return SimpleNamespace(get_remaining_time_in_millis=lambda: int(seconds_left * 1000))


def test_outside_an_invocation_nothing_is_cut_short() -> None:
    stop_retrying_in_time(request(3))


def test_a_retry_is_sent_only_while_it_can_end_before_the_timeout() -> None:
    with deadline.invocation(lambda_context(ATTEMPT_SECONDS + 2)):
        stop_retrying_in_time(request(2))
    with deadline.invocation(lambda_context(ATTEMPT_SECONDS - 1)):
        stop_retrying_in_time(request(1))  # a first attempt always goes
        with pytest.raises(OutOfTime):
            stop_retrying_in_time(request(2))
    assert deadline.seconds_left() is None


def test_one_attempt_and_one_wait_fit_well_inside_a_ten_second_function() -> None:
    """The longest attempt (connect + read) plus the first throttling wait (at most 1 s), with the
    retry refused after it, leaves time for the function to answer."""
    longest_attempt = CONNECT_TIMEOUT + READ_TIMEOUT
    assert MAX_ATTEMPTS == 3 and longest_attempt < ATTEMPT_SECONDS and longest_attempt + 1 + 2 < 10
