"""The emulator's memory of committed transaction tokens (DynamoDB's 10-minute idempotency)."""

from __future__ import annotations

import pytest

from shop_local.engines.moto_request_tokens import CommittedTokens, IdempotentParameterMismatch, fingerprint


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


ITEMS = [{"Put": {"TableName": "t", "Item": {"pk": {"S": "a"}, "blob": {"B": b"\x00\x01"}}}}]


def test_a_committed_token_with_the_same_items_is_answered_without_applying_within_ten_minutes() -> None:
    clock = Clock()
    tokens = CommittedTokens(clock=clock)
    assert not tokens.already_committed("t1", fingerprint(ITEMS))
    tokens.remember("t1", fingerprint(ITEMS))

    clock.now += 599
    assert tokens.already_committed("t1", fingerprint(ITEMS))
    clock.now += 2
    assert not tokens.already_committed("t1", fingerprint(ITEMS)), "the window is 10 minutes"


def test_the_same_token_with_other_items_is_a_mismatch_and_other_tokens_are_new() -> None:
    tokens = CommittedTokens(clock=Clock())
    tokens.remember("t1", fingerprint(ITEMS))
    other = [{"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}}}}]

    with pytest.raises(IdempotentParameterMismatch):
        tokens.already_committed("t1", fingerprint(other))
    assert not tokens.already_committed("t2", fingerprint(ITEMS))


def test_the_fingerprint_ignores_key_order_and_sees_binary_values() -> None:
    assert fingerprint([{"b": 1, "a": 2}]) == fingerprint([{"a": 2, "b": 1}])
    assert fingerprint([{"B": b"\x00"}]) != fingerprint([{"B": b"\x01"}])
