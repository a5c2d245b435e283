"""Products on CatalogTable: SKU guard items, category counts and stock shards change in one transaction.

A new product gets its first (empty) stock shard; a change of status or price is copied onto every
shard in the same transaction, on condition that the shard count is still the one read, so a
reservation checks the product's current status and price on the shard it moves alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shop.adapters.audit.audit_dynamo import AuditChains, sealing
from shop.adapters.catalog.catalog_dynamo import (
    Failure,
    category_key,
    name_order,
    product_key,
    sku_guard_key,
    stale,
    stock_key,
    transact,
)
from shop.adapters.catalog.stock_shards_dynamo import (
    product_from_item,
    product_with_shards,
    shard_item,
    with_stock,
)
from shop.adapters.dynamo_codec import AttrMap, expression_values, to_item
from shop.adapters.dynamo_paging import PagedQuery, query_page, scope_of
from shop.domain.audit_chain import AuditDraft
from shop.domain.catalog import Product, ProductStatus, sku_key, unknown_reference, uses_category
from shop.domain.inventory import summed
from shop.domain.paging import Page
from shop.errors import Conflict, SkuTaken

_CATALOG_FIELDS = ("sku", "name", "description", "price_cents", "currency", "category_id", "status")


def _index_keys(p: Product) -> dict[str, str]:
    order = name_order(p.name, p.id)
    return {
        "gsi1pk": f"PRODUCTS#{p.status}",
        "gsi1sk": order,
        "gsi2pk": f"CATEGORY#{p.category_id}#{p.status}",
        "gsi2sk": order,
        "name_lc": p.name.casefold(),
    }


def _sku_taken(_: AttrMap | None) -> Exception:
    return SkuTaken()


def _no_category(_: AttrMap | None) -> Exception:
    return unknown_reference("category_id", "category")


class DynamoProductStore:
    def __init__(self, client: Any, table: str, audit: AuditChains | None = None):
        self._client = client
        self._table = table
        self._audit = audit

    def get_product(self, product_id: str) -> Product | None:
        item, shards = product_with_shards(self._client, self._table, product_id)
        return product_from_item(item, summed(product_id, shards.values()).available) if item else None

    def add_product(self, p: Product, audit: Sequence[AuditDraft] = ()) -> None:
        fields = {f: getattr(p, f) for f in _CATALOG_FIELDS}
        meta = {"id": p.id, "created_at": p.created_at, "updated_at": p.updated_at, "version": p.version}
        item = product_key(p.id) | to_item(fields | {"stock_shards": 1} | meta | _index_keys(p))
        guard = sku_guard_key(sku_key(p.sku)) | to_item({"product_id": p.id})
        ops = [
            self._put(item),
            self._put(guard),
            self._category_op(p.category_id, int(uses_category(p.status))),
            self._put(shard_item(p.id, 0, p.status, p.price_cents)),
        ]
        failures = [lambda _: Conflict(), _sku_taken, _no_category, lambda _: Conflict()]
        transact(self._client, ops, failures, sealing(self._audit, audit))

    def replace_product(self, old: Product, new: Product, audit: Sequence[AuditDraft] = ()) -> None:
        copies = (new.status, new.price_cents) != (old.status, old.price_cents)
        ops: list[AttrMap] = [self._update(old, new, copies)]
        failures: list[Failure | None] = [stale]
        if copies:
            ops += [self._shard_copy(new, shard) for shard in range(old.stock_shards)]
            failures += [stale] * old.stock_shards
        if sku_key(new.sku) != sku_key(old.sku):
            ops.append(
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": sku_guard_key(sku_key(old.sku)),
                        "ConditionExpression": "product_id = :id",
                        "ExpressionAttributeValues": expression_values(id=old.id),
                    }
                }
            )
            ops.append(self._put(sku_guard_key(sku_key(new.sku)) | to_item({"product_id": new.id})))
            failures += [stale, _sku_taken]
        counts = {old.category_id: -int(uses_category(old.status))}
        counts[new.category_id] = counts.get(new.category_id, 0) + int(uses_category(new.status))
        for category_id, delta in counts.items():
            if delta != 0 or category_id != old.category_id:
                ops.append(self._category_op(category_id, delta))
                failures.append(_no_category if category_id == new.category_id else stale)
        transact(self._client, ops, failures, sealing(self._audit, audit))

    def list_products(
        self,
        statuses: Sequence[ProductStatus],
        category_id: str | None,
        name_contains: str | None,
        limit: int,
        cursor: str | None,
    ) -> Page[Product]:
        if category_id is None:
            index, partitions = "gsi1", [f"PRODUCTS#{s}" for s in statuses]
        else:
            index, partitions = "gsi2", [f"CATEGORY#{category_id}#{s}" for s in statuses]
        spec = PagedQuery(
            table=self._table,
            partitions=partitions,
            scope=scope_of("products", index, partitions, name_contains),
            index=index,
            filter=("contains(name_lc, :q)", expression_values(q=name_contains)) if name_contains else None,
        )
        page = query_page(self._client, spec, limit, cursor)
        stocked = with_stock(self._client, self._table, page.items, consistent=False)
        return Page([product_from_item(item, levels.available) for item, levels in stocked], page.next_cursor)

    def _shard_copy(self, new: Product, shard: int) -> AttrMap:
        return {
            "Update": {
                "TableName": self._table,
                "Key": stock_key(new.id, shard),
                "UpdateExpression": "SET #status = :status, price_cents = :price",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": expression_values(status=new.status, price=new.price_cents),
            }
        }

    def _update(self, old: Product, new: Product, copies: bool) -> AttrMap:
        """Changes the catalog fields only: stock levels move concurrently and are never overwritten."""
        data = {f: getattr(new, f) for f in _CATALOG_FIELDS} | _index_keys(new)
        data |= {"updated_at": new.updated_at, "version": new.version}
        names = {f"#{k}": k for k in data}
        sets = [f"#{k} = :{k}" for k, v in data.items() if v is not None]
        removes = [f"#{k}" for k, v in data.items() if v is None]
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        attrs = expression_values(**{k: v for k, v in data.items() if v is not None}) | expression_values(
            old_version=old.version
        )
        condition = "version = :old_version"
        if copies:  # an adjustment adding a shard copies what it read: it must not slip in between
            condition += " AND stock_shards = :old_shards"
            attrs |= expression_values(old_shards=old.stock_shards)
        return {
            "Update": {
                "TableName": self._table,
                "Key": product_key(old.id),
                "UpdateExpression": expression,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": attrs,
            }
        }

    def _category_op(self, category_id: str, delta: int) -> AttrMap:
        """Count a product in (+1) or out (-1) of its category; 0 only checks that the category exists."""
        op = {
            "TableName": self._table,
            "Key": category_key(category_id),
            "ConditionExpression": "attribute_exists(pk)",
        }
        if delta == 0:
            return {"ConditionCheck": op}
        return {
            "Update": op
            | {
                "UpdateExpression": "ADD product_count :d",
                "ExpressionAttributeValues": expression_values(d=delta),
            }
        }

    def _put(self, item: AttrMap) -> AttrMap:
        return {
            "Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
        }
