"""The one retry policy: botocore's retries never outlast the invocation (docs/decisions/retry-policy.md)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

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


def test_the_retries_botocore_may_send_fit_inside_the_api_functions_timeout() -> None:
    """Two of the longest attempts (connect + read) and the throttling waits between them (at most
    1 s, then 2 s) fit in the 20 s Timeout of template.yaml's Globals; a third is sent only if it fits."""
    from shop_local.provisioning.template import load_template

    timeout = load_template()["Globals"]["Function"]["Timeout"]
    longest_attempt = CONNECT_TIMEOUT + READ_TIMEOUT
    assert MAX_ATTEMPTS == 3 and longest_attempt < ATTEMPT_SECONDS
    assert 2 * longest_attempt + 1 + 2 < timeout


def test_the_services_own_loops_try_again_only_while_an_attempt_fits() -> None:
    """An order that changed under a shipment is read and committed again, but not when one more
    attempt could outlast the invocation: then it is a 409 at once, with no wait."""
    from shop.errors import Contention
    from shop.services.order_ports import CommitRefused
    from shop.services.orders_retry import with_retries

    tries: list[int] = []
    waits: list[float] = []

    def refused() -> None:
        tries.append(1)
        raise CommitRefused(busy=True)

    assert deadline.another_attempt_fits()  # outside an invocation
    with deadline.invocation(lambda_context(ATTEMPT_SECONDS - 1)), pytest.raises(Contention):
        assert not deadline.another_attempt_fits()
        with_retries(refused, sleep=waits.append)
    assert (len(tries), waits) == (1, [])
    with deadline.invocation(lambda_context(ATTEMPT_SECONDS + 60)), pytest.raises(Contention):
        with_retries(refused, sleep=waits.append)
    assert len(tries) == 1 + 8 and len(waits) == 7


class ChainAlwaysTaken:
    """A client whose every transaction is cancelled by its audit entry's place being taken."""

    def __init__(self) -> None:
        self.sent = 0

    def transact_write_items(self, TransactItems: list[Any]) -> None:  # noqa: N803 - boto3's name
        from botocore.exceptions import ClientError

        self.sent += 1
        reasons = [{"Code": "None"}, {"Code": "ConditionalCheckFailed"}]
        error = {"Error": {"Code": "TransactionCanceledException"}, "CancellationReasons": reasons}
        raise ClientError(error, "TransactWriteItems")  # type: ignore[arg-type]


class OneEntry:
    def puts(self) -> list[dict[str, Any]]:
        return [{"Put": {"TableName": "audit", "Item": {}}}]

    def lost_race(self, exc: Any, first: int) -> bool:
        return True


def test_an_audit_entry_that_keeps_losing_its_place_is_a_409_never_a_500() -> None:
    from shop.adapters.busy_transactions import AUDIT_RACE_ATTEMPTS, ChainRaceLost, transact_write
    from shop.errors import Contention

    client, waits = ChainAlwaysTaken(), list[float]()
    with pytest.raises(ChainRaceLost) as lost:
        transact_write(
            client, [{"Put": {"TableName": "t", "Item": {}}}], sleep=waits.append, audit=OneEntry()
        )
    assert isinstance(lost.value, Contention) and lost.value.code == "CONFLICT"
    assert client.sent == AUDIT_RACE_ATTEMPTS and len(waits) == AUDIT_RACE_ATTEMPTS - 1
    short = ChainAlwaysTaken()
    with deadline.invocation(lambda_context(ATTEMPT_SECONDS - 1)), pytest.raises(ChainRaceLost):
        transact_write(short, [{"Put": {"TableName": "t", "Item": {}}}], sleep=waits.append, audit=OneEntry())
    assert short.sent == 1
