"""Category use cases: browse the tree, and the admin's create, rename/move and delete."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from shop.backoff import retried
from shop.domain.callers import Caller
from shop.domain.catalog import (
    MAX_CATEGORY_DEPTH,
    Category,
    StaleWrite,
    check_category,
    check_new_parent,
    still_stale,
)
from shop.domain.catalog import unknown_reference as unknown
from shop.errors import NotFound, ValidationFailed
from shop.services.catalog_audit import AuditPort, entry_for
from shop.services.catalog_ports import CategoryStore

_EDITABLE = frozenset({"name", "slug", "parent_id"})


class CategoryService:
    def __init__(
        self,
        store: CategoryStore,
        audit_trail: AuditPort,
        new_id: Callable[[], str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._store = store
        self._audit = audit_trail
        self._new_id = new_id or (lambda: uuid.uuid4().hex)
        self._sleep = sleep

    def list_categories(self) -> list[Category]:
        return self._store.all_categories()

    def create_category(self, actor: Caller, name: str, slug: str, parent_id: str | None = None) -> Category:
        category = Category(id=self._new_id(), name=name, slug=slug, parent_id=parent_id)
        check_category(category)

        def attempt() -> Category:  # again while its parent or the actor's audit chain is busy
            if parent_id is not None:
                check_new_parent(category.id, self._ancestors(parent_id))
            entry = entry_for(
                self._audit, actor, "category.create", "category", category.id, name=name, slug=slug
            )
            self._store.add_category(category, [entry])
            return category

        return retried(attempt, lost=StaleWrite, gave_up=still_stale("catalog"), sleep=self._sleep)

    def update_category(self, actor: Caller, category_id: str, changes: Mapping[str, Any]) -> Category:
        if not changes or not set(changes) <= _EDITABLE:
            raise ValidationFailed("Send at least one of name, slug, parent_id.", [{"field": "body"}])

        def attempt() -> Category:
            old = self._existing(category_id)
            new = replace(old, **changes, version=old.version + 1)
            check_category(new)
            ancestors = self._ancestors(new.parent_id) if new.parent_id != old.parent_id else []
            if new.parent_id is not None and new.parent_id != old.parent_id:
                check_new_parent(category_id, ancestors)
            entry = entry_for(
                self._audit, actor, "category.update", "category", category_id, changes=dict(changes)
            )
            self._store.replace_category(old, new, ancestors, [entry])
            return new

        return retried(attempt, lost=StaleWrite, gave_up=still_stale("category"), sleep=self._sleep)

    def delete_category(self, actor: Caller, category_id: str) -> None:
        def attempt() -> None:
            category = self._existing(category_id)
            entry = entry_for(
                self._audit, actor, "category.delete", "category", category_id, slug=category.slug
            )
            self._store.remove_category(category, [entry])

        retried(attempt, lost=StaleWrite, gave_up=still_stale("category"), sleep=self._sleep)

    def _existing(self, category_id: str) -> Category:
        category = self._store.get_category(category_id)
        if category is None:
            raise NotFound("No such category.")
        return category

    def _ancestors(self, parent_id: str | None) -> list[Category]:
        """The proposed parent and its ancestors, nearest first; bounded so a corrupt chain cannot loop."""
        chain: list[Category] = []
        next_id = parent_id
        while next_id is not None and len(chain) <= MAX_CATEGORY_DEPTH:
            found = self._store.get_category(next_id)
            if found is None:
                raise unknown("parent_id", "category")
            chain.append(found)
            next_id = found.parent_id
        return chain
