"""Injected DynamoDB transaction conflicts, for tests of the code that must retry them.

Neither local engine produces TransactionConflict: the emulator serialises every request, and
DynamoDB Local 3.3.0 serialises transactions (under contention a transaction waits, then passes
or fails its conditions). In AWS two transactions on one item do conflict. So a test proves a
retry by making the next N TransactWriteItems calls of a boto3 client answer exactly as DynamoDB
answers a conflict, without reaching the engine (a botocore before-call hook).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from botocore.awsrequest import AWSResponse, HTTPHeaders

EVENT = "before-call.dynamodb.TransactWriteItems"


@dataclass
class InjectedConflicts:
    remaining: int
    injected: int = 0
    passed: int = 0


def _conflict(items: int) -> dict[str, Any]:
    reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}]
    reasons += [{"Code": "None"}] * (items - 1)
    return {
        "Error": {
            "Code": "TransactionCanceledException",
            "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons "
            f"[{', '.join(r['Code'] for r in reasons)}]",
        },
        "CancellationReasons": reasons,
        "ResponseMetadata": {"HTTPStatusCode": 400, "RetryAttempts": 0},
    }


@contextmanager
def transaction_conflicts(
    dynamodb: Any,
    times: int,
    when: Callable[[dict[str, Any]], bool] = lambda params: True,
    on_inject: Callable[[InjectedConflicts], None] | None = None,
) -> Iterator[InjectedConflicts]:
    """The next `times` TransactWriteItems of `dynamodb` (a boto3 client) for which `when(request)`
    holds (`request`: the operation's parameters as sent) are cancelled as conflicts; exactly
    `times`, even when many threads share the client."""
    state = InjectedConflicts(remaining=times)
    lock = threading.Lock()

    def answer(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        request = json.loads(params.get("body") or "{}")  # `params` is the serialised HTTP request
        with lock:
            inject = state.remaining > 0 and when(request)
            if inject:
                state.remaining -= 1
                state.injected += 1
            else:
                state.passed += 1
            seen = replace(state)
        if not inject:
            return None
        if on_inject is not None:
            on_inject(seen)  # a copy: the counts as of this injection
        return AWSResponse("", 400, HTTPHeaders(), None), _conflict(len(request.get("TransactItems") or [1]))

    dynamodb.meta.events.register(EVENT, answer)
    try:
        yield state
    finally:
        dynamodb.meta.events.unregister(EVENT, answer)
