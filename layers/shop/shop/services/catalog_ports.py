"""The catalog's storage ports. Adapters make every uniqueness and counting rule atomic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from shop.domain.audit_chain import AuditDraft
from shop.domain.catalog import Category, Product, ProductStatus
from shop.domain.paging import Page


class CategoryStore(Protocol):
    def all_categories(self) -> list[Category]: ...

    def get_category(self, category_id: str) -> Category | None: ...

    def add_category(self, category: Category, audit: Sequence[AuditDraft] = ()) -> None:
        """Raises SlugTaken, ValidationFailed (parent_id) if the parent does not exist, or StaleWrite
        if the parent or the actor's audit chain stayed busy with other writers (nothing written)."""

    def replace_category(
        self, old: Category, new: Category, ancestors: Sequence[Category], audit: Sequence[AuditDraft] = ()
    ) -> None:
        """Raises SlugTaken, ValidationFailed (parent_id), or StaleWrite if `old` or any of the new
        parent's `ancestors` changed since read (so a concurrent move cannot close a cycle)."""

    def remove_category(self, category: Category, audit: Sequence[AuditDraft] = ()) -> None:
        """Raises CategoryNotEmpty while products or subcategories use it, StaleWrite if it changed."""


class ProductStore(Protocol):
    def get_product(self, product_id: str) -> Product | None: ...

    def add_product(self, product: Product, audit: Sequence[AuditDraft] = ()) -> None:
        """Raises SkuTaken, ValidationFailed (category_id) if the category does not exist, or
        StaleWrite if the category or the actor's audit chain stayed busy with other writers."""

    def replace_product(self, old: Product, new: Product, audit: Sequence[AuditDraft] = ()) -> None:
        """Raises SkuTaken, ValidationFailed (category_id), or StaleWrite if `old` changed since read.
        Never touches stock levels."""

    def list_products(
        self,
        statuses: Sequence[ProductStatus],
        category_id: str | None,
        name_contains: str | None,
        limit: int,
        cursor: str | None,
    ) -> Page[Product]: ...
