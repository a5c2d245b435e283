"""Product use cases: browsing (only ACTIVE products unless the viewer is an admin) and admin writes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from shop.backoff import retried
from shop.domain.callers import Caller
from shop.domain.catalog import (
    Product,
    ProductStatus,
    StaleWrite,
    check_product,
    is_visible,
    still_stale,
    visible_statuses,
)
from shop.domain.paging import Page
from shop.errors import NotFound, ValidationFailed
from shop.services.catalog_audit import AuditPort, entry_for
from shop.services.catalog_ports import ProductStore

_EDITABLE = frozenset({"sku", "name", "description", "price_cents", "currency", "category_id", "status"})


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ProductService:
    def __init__(
        self,
        store: ProductStore,
        audit_trail: AuditPort,
        new_id: Callable[[], str] | None = None,
        clock: Callable[[], str] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._store = store
        self._audit = audit_trail
        self._new_id = new_id or (lambda: uuid.uuid4().hex)
        self._clock, self._sleep = clock, sleep

    def list_products(
        self, is_admin: bool, category_id: str | None, q: str | None, limit: int, cursor: str | None
    ) -> Page[Product]:
        needle = q.strip().casefold() if q else None
        statuses = visible_statuses(is_admin)
        return self._store.list_products(statuses, category_id, needle or None, limit, cursor)

    def get_product(self, product_id: str, is_admin: bool) -> Product:
        product = self._store.get_product(product_id)
        if product is None or not is_visible(product, is_admin):
            raise NotFound("No such product.")
        return product

    def create_product(
        self,
        actor: Caller,
        *,
        sku: str,
        name: str,
        price_cents: int,
        category_id: str,
        description: str | None = None,
        currency: str = "USD",
        status: ProductStatus = "DRAFT",
    ) -> Product:
        now = self._clock()
        product = Product(
            id=self._new_id(),
            sku=sku,
            name=name,
            description=description,
            price_cents=price_cents,
            currency=currency,
            category_id=category_id,
            status=status,
            stock_available=0,
            created_at=now,
            updated_at=now,
        )
        check_product(product)

        def attempt() -> Product:  # again while its category or the actor's audit chain is busy
            entry = entry_for(
                self._audit, actor, "product.create", "product", product.id, sku=sku, status=status
            )
            self._store.add_product(product, [entry])
            return product

        return retried(attempt, lost=StaleWrite, gave_up=still_stale("catalog"), sleep=self._sleep)

    def update_product(self, actor: Caller, product_id: str, changes: Mapping[str, Any]) -> Product:
        if not changes or not set(changes) <= _EDITABLE:
            raise ValidationFailed("Send at least one field to change.", [{"field": "body"}])
        return self._change(actor, product_id, dict(changes), "product.update")

    def archive_product(self, actor: Caller, product_id: str) -> Product:
        return self._change(actor, product_id, {"status": "ARCHIVED"}, "product.archive")

    def _change(self, actor: Caller, product_id: str, changes: dict[str, Any], action: str) -> Product:
        """Read, change, write on condition of the version read; read again while other writers
        (or the actor's own other writes, on their audit chain) come first."""

        def attempt() -> Product:
            old = self._store.get_product(product_id)
            if old is None:
                raise NotFound("No such product.")
            new = replace(old, **changes, updated_at=self._clock(), version=old.version + 1)
            check_product(new)
            entry = entry_for(self._audit, actor, action, "product", product_id, changes=changes)
            self._store.replace_product(old, new, [entry])
            return new

        return retried(attempt, lost=StaleWrite, gave_up=still_stale("product"), sleep=self._sleep)
