"""Stock levels on the product items of CatalogTable: each adjustment is ONE conditional write,
in one transaction with its audit entry.

Never read-then-write: `ADD available :delta` guarded by `available >= :needed` keeps available >= 0
under any concurrency, and touches neither reserved nor sold.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from shop.adapters.audit_dynamo import AuditChains, sealing
from shop.adapters.catalog_dynamo import AttrMap, from_attrs, product_key, transact, values
from shop.adapters.catalog_dynamo_paging import QuerySpec, query_page
from shop.adapters.catalog_dynamo_products import product_from_item
from shop.domain.audit_chain import AuditDraft
from shop.domain.inventory import StockedProduct, StockLevels, needed_available
from shop.domain.paging import Page, scope_of
from shop.errors import InsufficientStock, NotFound


def _levels(product_id: str, item: dict[str, Any]) -> StockLevels:
    data = from_attrs(item)
    return StockLevels(product_id, data["available"], data["reserved"], data["sold"])


def _refused(product_id: str, delta: int, old: AttrMap | None) -> Exception:
    if not old:
        return NotFound("No such product.")
    available = from_attrs(old)["available"]
    return InsufficientStock(details={"product_id": product_id, "available": available, "delta": delta})


class DynamoStockStore:
    def __init__(self, client: Any, table: str, audit: AuditChains | None = None):
        self._client = client
        self._table = table
        self._audit = audit

    def stock_levels(self, product_id: str) -> StockLevels | None:
        got = self._client.get_item(
            TableName=self._table,
            Key=product_key(product_id),
            ProjectionExpression="available, reserved, sold",
            ConsistentRead=True,
        )
        return _levels(product_id, got["Item"]) if "Item" in got else None

    def adjust_stock(self, product_id: str, delta: int, audit: Sequence[AuditDraft] = ()) -> StockLevels:
        """One transaction: the move, conditioned as above, with the entries that record it."""
        move = {
            "Update": {
                "TableName": self._table,
                "Key": product_key(product_id),
                "UpdateExpression": "ADD available :delta",
                "ConditionExpression": "attribute_exists(pk) AND available >= :needed",
                "ExpressionAttributeValues": values(delta=delta, needed=needed_available(delta)),
            }
        }
        transact(self._client, [move], [partial(_refused, product_id, delta)], sealing(self._audit, audit))
        levels = self.stock_levels(product_id)
        if levels is None:
            raise NotFound("No such product.")
        return levels

    def products_below(self, threshold: int | None, limit: int, cursor: str | None) -> Page[StockedProduct]:
        spec = QuerySpec(
            table=self._table,
            index="stock",
            hash_attr="stock_pk",
            range_attr="available",
            partitions=["STOCK"],
            scope=scope_of("stock", threshold),
            range_condition=("available < :below", values(below=threshold))
            if threshold is not None
            else None,
            range_is_number=True,
        )
        page = query_page(self._client, spec, limit, cursor)
        rows = [StockedProduct(product_from_item(i), _levels(from_attrs(i)["id"], i)) for i in page.items]
        return Page(rows, page.next_cursor)
