"""Categories on CatalogTable: slugs unique through guard items, counts kept transactionally."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shop.adapters.audit.audit_dynamo import AuditChains, sealing
from shop.adapters.catalog.catalog_dynamo import Failure, category_key, name_order, slug_key, stale, transact
from shop.adapters.dynamo_codec import AttrMap, expression_values, from_item, to_item
from shop.adapters.dynamo_paging import every_item
from shop.domain.audit_chain import AuditDraft
from shop.domain.catalog import Category, StaleWrite
from shop.domain.catalog import unknown_reference as unknown
from shop.errors import CategoryNotEmpty, Conflict, NotFound, SlugTaken

_NOT_EXISTS = "attribute_not_exists(pk)"


def _category(item: AttrMap) -> Category:
    data = from_item(item)
    return Category(data["id"], data["name"], data["slug"], data.get("parent_id"), data["version"])


def _slug_taken(_: AttrMap | None) -> Exception:
    return SlugTaken()


def _no_parent(_: AttrMap | None) -> Exception:
    return unknown("parent_id", "category")


class DynamoCategoryStore:
    def __init__(self, client: Any, table: str, audit: AuditChains | None = None):
        self._client = client
        self._table = table
        self._audit = audit

    def all_categories(self) -> list[Category]:
        params: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": expression_values(p="CATEGORIES"),
        }
        return [_category(item) for item in every_item(self._client.query, params)]

    def get_category(self, category_id: str) -> Category | None:
        got = self._client.get_item(TableName=self._table, Key=category_key(category_id), ConsistentRead=True)
        return _category(got["Item"]) if "Item" in got else None

    def add_category(self, category: Category, audit: Sequence[AuditDraft] = ()) -> None:
        item = category_key(category.id) | to_item(
            {
                "id": category.id,
                "name": category.name,
                "slug": category.slug,
                "parent_id": category.parent_id,
                "version": category.version,
                "product_count": 0,
                "child_count": 0,
                "gsi1pk": "CATEGORIES",
                "gsi1sk": name_order(category.name, category.id),
            }
        )
        ops: list[AttrMap] = [self._put(item), self._put_slug(category)]
        failures: list[Failure | None] = [lambda _: Conflict(), _slug_taken]
        if category.parent_id is not None:
            ops.append(self._count_child(category.parent_id, +1, None))
            failures.append(_no_parent)
        self._transact(ops, failures, audit)

    def replace_category(
        self, old: Category, new: Category, ancestors: Sequence[Category], audit: Sequence[AuditDraft] = ()
    ) -> None:
        names = {"#n": "name"}
        update = "SET #n = :name, slug = :slug, version = :next, gsi1sk = :order"
        update += ", parent_id = :parent" if new.parent_id else " REMOVE parent_id"
        attrs = expression_values(
            name=new.name, slug=new.slug, next=new.version, order=name_order(new.name, new.id), v=old.version
        )
        if new.parent_id:
            attrs |= expression_values(parent=new.parent_id)
        ops: list[AttrMap] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": category_key(old.id),
                    "UpdateExpression": update,
                    "ConditionExpression": "version = :v",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": attrs,
                }
            }
        ]
        failures: list[Failure | None] = [stale]
        if new.slug != old.slug:
            ops += [self._delete_slug(old), self._put_slug(new)]
            failures += [stale, _slug_taken]
        if new.parent_id != old.parent_id:
            ops, failures = ops + self._move_ops(old, new, ancestors), failures + [stale] * len(ancestors)
            if old.parent_id and old.parent_id not in {a.id for a in ancestors}:
                ops.append(self._count_child(old.parent_id, -1, None))
                failures.append(stale)
        self._transact(ops, failures, audit)

    def remove_category(self, category: Category, audit: Sequence[AuditDraft] = ()) -> None:
        def why(old: AttrMap | None) -> Exception:
            if old is None:
                return NotFound("No such category.")
            if _category(old).version != category.version:
                return StaleWrite()
            data = from_item(old)
            return CategoryNotEmpty(
                details={"products": data["product_count"], "subcategories": data["child_count"]}
            )

        ops: list[AttrMap] = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": category_key(category.id),
                    "ConditionExpression": "version = :v AND product_count = :zero AND child_count = :zero",
                    "ExpressionAttributeValues": expression_values(v=category.version, zero=0),
                }
            },
            self._delete_slug(category),
        ]
        failures: list[Failure | None] = [why, stale]
        if category.parent_id is not None:
            ops.append(self._count_child(category.parent_id, -1, None))
            failures.append(stale)
        self._transact(ops, failures, audit)

    def _move_ops(self, old: Category, new: Category, ancestors: Sequence[Category]) -> list[AttrMap]:
        """The new parent gains a child; it and every ancestor must be unchanged since read, so two
        concurrent moves cannot close a cycle. A former parent on the new chain loses its child here."""
        ops = []
        for ancestor in ancestors:
            delta = int(ancestor.id == new.parent_id) - int(ancestor.id == old.parent_id)
            ops.append(self._count_child(ancestor.id, delta, ancestor.version))
        return ops

    def _count_child(self, category_id: str, delta: int, version: int | None) -> AttrMap:
        condition = "attribute_exists(pk)" + (" AND version = :v" if version is not None else "")
        attrs = expression_values(d=delta) | (expression_values(v=version) if version is not None else {})
        op = {"TableName": self._table, "Key": category_key(category_id), "ConditionExpression": condition}
        if delta == 0:
            attrs.pop(":d")
            return {"ConditionCheck": op | {"ExpressionAttributeValues": attrs}}
        return {"Update": op | {"UpdateExpression": "ADD child_count :d", "ExpressionAttributeValues": attrs}}

    def _put(self, item: AttrMap) -> AttrMap:
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": _NOT_EXISTS}}

    def _put_slug(self, category: Category) -> AttrMap:
        return self._put(slug_key(category.slug) | to_item({"category_id": category.id}))

    def _delete_slug(self, category: Category) -> AttrMap:
        return {
            "Delete": {
                "TableName": self._table,
                "Key": slug_key(category.slug),
                "ConditionExpression": "category_id = :id",
                "ExpressionAttributeValues": expression_values(id=category.id),
            }
        }

    def _transact(
        self, ops: list[AttrMap], failures: list[Failure | None], audit: Sequence[AuditDraft]
    ) -> None:
        transact(self._client, ops, failures, sealing(self._audit, audit))
