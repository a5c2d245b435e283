"""The idempotency store's port: what a request under an Idempotency-Key claims, finds or leaves.

The HTTP side (shop.api.idempotency) decides when to claim, replay or refuse; the store
(shop.adapters.idempotency.idempotency_dynamo) keeps the records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from shop.services.order_ports import TxItem


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str


@dataclass(frozen=True)
class Claim:
    """This request owns the record (until it completes or releases it)."""

    record_id: str
    token: str


@dataclass(frozen=True)
class Existing:
    """Someone got the key first; `response` is None while that request is still running."""

    fingerprint: str
    response: StoredResponse | None


class IdempotencyStore(Protocol):
    def begin(self, record_id: str, fingerprint: str) -> Claim | Existing: ...
    def seal_element(self, claim: Claim, response: StoredResponse) -> TxItem: ...
    def complete(self, claim: Claim, response: StoredResponse) -> None: ...
    def release(self, claim: Claim) -> None: ...

    # Without a claim: the record is written once, completed, where the key is still free.
    def find(self, record_id: str) -> Existing | None: ...
    def record_element(self, record_id: str, fingerprint: str, response: StoredResponse) -> TxItem: ...
    def record(self, record_id: str, fingerprint: str, response: StoredResponse) -> Existing | None:
        """Write the completed record; the record that holds the key instead, if there is one."""
        ...
