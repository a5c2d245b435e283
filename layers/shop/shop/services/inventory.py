"""Inventory use cases for admins: read levels, adjust stock (audited), list what runs low."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from shop.domain.audit_chain import AuditDraft
from shop.domain.callers import Caller
from shop.domain.inventory import StockedProduct, StockLevels, check_adjustment
from shop.domain.paging import Page
from shop.errors import NotFound, ValidationFailed
from shop.services.catalog_audit import AuditPort, entry_for

MAX_THRESHOLD = 1_000_000_000


class StockStore(Protocol):
    def stock_levels(self, product_id: str) -> StockLevels | None: ...

    def adjust_stock(self, product_id: str, delta: int, audit: Sequence[AuditDraft] = ()) -> StockLevels:
        """One transaction over the product's stock shards, with `audit` in it: raises
        InsufficientStock if available + delta < 0, NotFound if no product."""

    def products_below(self, threshold: int | None, limit: int, cursor: str | None) -> Page[StockedProduct]:
        """Products by ascending available stock of their emptiest shard; only those whose summed
        available stock is below `threshold` when given."""


class InventoryService:
    def __init__(self, store: StockStore, audit_trail: AuditPort):
        self._store = store
        self._audit = audit_trail

    def stock_levels(self, product_id: str) -> StockLevels:
        levels = self._store.stock_levels(product_id)
        if levels is None:
            raise NotFound("No such product.")
        return levels

    def adjust_stock(self, actor: Caller, product_id: str, delta: int, reason: str) -> StockLevels:
        check_adjustment(delta, reason)
        entry = entry_for(
            self._audit, actor, "inventory.adjust", "product", product_id, delta=delta, reason=reason
        )
        return self._store.adjust_stock(product_id, delta, [entry])

    def products_below(self, threshold: int | None, limit: int, cursor: str | None) -> Page[StockedProduct]:
        if threshold is not None and not 0 <= threshold <= MAX_THRESHOLD:
            raise ValidationFailed(
                details=[{"field": "query.below", "message": f"must be 0..{MAX_THRESHOLD}"}]
            )
        return self._store.products_below(threshold, limit, cursor)
