"""Idempotency-Key for money-relevant writes, exactly as API.md's conventions say.

The first request with a key claims a record (scoped to the caller and operation); its response
(success or 4xx; never a 5xx or a transient 409 CONFLICT, which a retry may get past) is stored and replayed byte for byte, with its status, to every later
request with the same key and body for at least 24 hours. Another body gets 422
IDEMPOTENCY_KEY_REUSED. A duplicate arriving while the first is still running waits (bounded)
for it and replays its answer, so concurrent duplicates never act twice and all answer alike.

A success's record is completed inside the command's own transaction (the `Seal` it receives),
so "done" and "recorded" cannot drift apart even if the process dies right after the commit.

A command whose transaction alone decides that it happens once (checkout: its order, its cart
version and its record commit together, and the record's Put needs the key free) runs with
`lock=False`: no claim first, one write less. The record is read first (a replay, or a 422); then
the command runs, and its transaction writes the completed record. Concurrent duplicates may all
run, but only one commits; the others fail (their cart is gone, or the key is taken) and then find
and replay the winner's answer. An error answer is recorded alone, where the key is still free. A
command with an effect outside the transaction (a payment's charge) keeps the claim, so that
duplicates never charge twice.
The request is kept only as its fingerprint, an HMAC under a server-side secret, so a copy of the
table cannot be used to test guesses of a body (a card number, a short CVC) offline. The caller
decides what identifies its request: the payment route leaves the CVC out altogether. The key
itself is stored only as a hash.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header

from shop.api.errors import response_for
from shop.api.models import ResponseModel
from shop.errors import Contention, IdempotencyKeyReused, ShopError
from shop.services.idempotency_ports import Claim, Existing, IdempotencyStore, StoredResponse
from shop.services.order_ports import Seal, TxItem

R = TypeVar("R")
WAIT_FOR_FIRST_SECONDS = 6.0
REPLAYED_HEADER = "Idempotent-Replayed"

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Required. Repeating a request with the same key and body replays the first response.",
    ),
]


def _canonical(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _json(model: ResponseModel) -> str:
    return json.dumps(model.model_dump(mode="json"))


def _answer(stored: StoredResponse, replayed: bool) -> Response[str]:
    headers = {REPLAYED_HEADER: "true"} if replayed else {}
    return Response(stored.status, "application/json", stored.body, headers=headers)


class Idempotency:
    def __init__(
        self,
        store: IdempotencyStore,
        fingerprint_key: Callable[[], bytes],
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`fingerprint_key` gives the server-side HMAC secret (read lazily, cached by its source)."""
        self._store, self._fingerprint_key = store, fingerprint_key
        self._sleep, self._monotonic = sleep, monotonic

    def respond(
        self,
        *,
        user_id: str,
        operation: str,
        key: str,
        request: Mapping[str, Any],
        command: Callable[[Seal[R]], R],
        render: Callable[[R], ResponseModel],
        status: int = 200,
        lock: bool = True,
    ) -> Response[str]:
        record_id = f"{operation}#{user_id}#{hashlib.sha256(key.encode()).hexdigest()}"
        fingerprint = hmac.new(
            self._fingerprint_key(), _canonical({"op": operation, "request": request}), "sha256"
        ).hexdigest()
        if not lock:
            return self._respond_unlocked(record_id, fingerprint, command, render, status)
        claim = self._claim(record_id, fingerprint)
        if isinstance(claim, StoredResponse):
            return _answer(claim, replayed=True)
        sealed: list[str] = []

        def seal(result: R) -> TxItem:
            sealed.append(_json(render(result)))
            return self._store.seal_element(claim, StoredResponse(status, sealed[-1]))

        try:
            result = command(seal)
        except ShopError as exc:
            answer = response_for(exc)
            if answer.status_code >= 500 or isinstance(exc, Contention):
                self._store.release(claim)  # transient: a retry with this key must run afresh
            else:
                self._store.complete(claim, StoredResponse(answer.status_code, str(answer.body)))
            raise
        except BaseException:
            self._store.release(claim)
            raise
        stored = StoredResponse(status, _json(render(result)))
        if not sealed or sealed[-1] != stored.body:
            self._store.complete(claim, stored)
        return _answer(stored, replayed=False)

    def _respond_unlocked(
        self,
        record_id: str,
        fingerprint: str,
        command: Callable[[Seal[R]], R],
        render: Callable[[R], ResponseModel],
        status: int,
    ) -> Response[str]:
        first = self._settled(record_id, fingerprint, self._store.find(record_id))
        if first is not None:
            return _answer(first, replayed=True)
        sealed: list[str] = []

        def seal(result: R) -> TxItem:
            sealed.append(_json(render(result)))
            return self._store.record_element(record_id, fingerprint, StoredResponse(status, sealed[-1]))

        try:
            result = command(seal)
        except ShopError as exc:
            first = self._settled(record_id, fingerprint, self._store.find(record_id))
            if first is not None:  # a duplicate committed first: its answer is the answer
                return _answer(first, replayed=True)
            answer = response_for(exc)
            if answer.status_code < 500 and not isinstance(exc, Contention):
                stored = StoredResponse(answer.status_code, str(answer.body))
                first = self._settled(
                    record_id, fingerprint, self._store.record(record_id, fingerprint, stored)
                )
                if first is not None:
                    return _answer(first, replayed=True)
            raise
        stored = StoredResponse(status, _json(render(result)))
        if not sealed:
            self._store.record(record_id, fingerprint, stored)
        return _answer(stored, replayed=False)

    def _settled(self, record_id: str, fingerprint: str, got: Existing | None) -> StoredResponse | None:
        """The answer of the record found, waiting (bounded) for one still in progress (a claim of
        a request that runs with the lock); None if there is no record."""
        deadline, attempt = self._monotonic() + WAIT_FOR_FIRST_SECONDS, 0
        while got is not None:
            if not hmac.compare_digest(got.fingerprint, fingerprint):
                raise IdempotencyKeyReused()
            if got.response is not None:
                return got.response
            if self._monotonic() >= deadline:
                raise Contention("A request with this Idempotency-Key is still in progress; retry shortly.")
            self._sleep(random.uniform(0.5, 1.0) * min(0.5, 0.02 * 2**attempt))  # noqa: S311 - jitter
            attempt += 1
            got = self._store.find(record_id)
        return None

    def _claim(self, record_id: str, fingerprint: str) -> Claim | StoredResponse:
        deadline = self._monotonic() + WAIT_FOR_FIRST_SECONDS
        for attempt in range(1_000):
            got = self._store.begin(record_id, fingerprint)
            if isinstance(got, Claim):
                return got
            if not hmac.compare_digest(got.fingerprint, fingerprint):
                raise IdempotencyKeyReused()
            if got.response is not None:
                return got.response
            if self._monotonic() >= deadline:
                break
            self._sleep(random.uniform(0.5, 1.0) * min(0.5, 0.02 * 2**attempt))  # noqa: S311 - jitter
        raise Contention("A request with this Idempotency-Key is still in progress; retry shortly.")
