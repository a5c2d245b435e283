"""Stock levels on CatalogTable's stock shards: levels are sums, each adjustment ONE TransactWriteItems
(with the audit entry that records it).

An adjustment reads the product with its shards, spreads the delta (shop.domain.stock_shards:
added units to the shards with the least, removed ones from those with the most) and writes the
changed shards in one transaction: each removal guarded by `available >= :taken` on its shard, so
no shard goes below zero under any concurrency, reserved and sold untouched. When the stock grows
past what its shards should hold, the same transaction creates shards and raises the product's
`stock_shards`, on condition that its status and price are still the ones copied into them.
A shard that changed between read and write makes the transaction fail; we read again and retry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shop.adapters.audit.audit_dynamo import AuditChains, sealing
from shop.adapters.catalog.catalog_dynamo import product_key, stale, stock_key, transact
from shop.adapters.catalog.stock_shards_dynamo import (
    product_from_item,
    product_with_shards,
    products_with_shards,
    shard_item,
    shard_number,
)
from shop.adapters.dynamo_codec import AttrMap, expression_values, from_item
from shop.adapters.dynamo_paging import PagedQuery, cursor_after, query_page, scope_of
from shop.backoff import retried
from shop.domain.audit_chain import AuditDraft
from shop.domain.catalog import StaleWrite, still_stale
from shop.domain.inventory import StockedProduct, StockLevels, summed
from shop.domain.paging import Page
from shop.domain.stock_shards import MAX_SHARDS, shard_count, spread_adjustment
from shop.errors import InsufficientStock, NotFound

_MOST_ENTRIES = 1000  # index entries read by one Query of the low-stock listing (keys only: ~100 KB)


class DynamoStockStore:
    def __init__(self, client: Any, table: str, audit: AuditChains | None = None):
        self._client = client
        self._table = table
        self._audit = audit

    def stock_levels(self, product_id: str) -> StockLevels | None:
        product, shards = product_with_shards(self._client, self._table, product_id)
        return summed(product_id, shards.values()) if product is not None else None

    def adjust_stock(self, product_id: str, delta: int, audit: Sequence[AuditDraft] = ()) -> StockLevels:

        def attempt() -> StockLevels:
            product, shards = product_with_shards(self._client, self._table, product_id)
            if product is None:
                raise NotFound("No such product.")
            levels = summed(product_id, shards.values())
            self._write(product_id, from_item(product), shards, delta, audit)
            return StockLevels(product_id, levels.available + delta, levels.reserved, levels.sold)

        return retried(attempt, lost=StaleWrite, gave_up=still_stale("product's stock"))

    def _write(
        self,
        product_id: str,
        product: Mapping[str, Any],
        shards: Mapping[int, StockLevels],
        delta: int,
        audit: Sequence[AuditDraft],
    ) -> None:
        current = max(int(product.get("stock_shards", 1)), len(shards))
        available = {shard: levels.available for shard, levels in shards.items()}
        count = shard_count(current, sum(available.values()) + delta)
        changes = spread_adjustment(available, count, delta)
        if changes is None:
            details = {"product_id": product_id, "available": sum(available.values()), "delta": delta}
            raise InsufficientStock(details=details)
        status, price = product["status"], product["price_cents"]
        ops: list[AttrMap] = []
        for shard in range(count):
            change = changes.get(shard, 0)
            if shard not in shards:
                item = shard_item(product_id, shard, status, price, change)
                ops.append({"Put": {"TableName": self._table, "Item": item} | _absent()})
            elif change:
                ops.append(self._shard_change(product_id, shard, change))
        if count > current:
            ops.append(self._more_shards(product_id, current, count, status, price))
        transact(self._client, ops, [stale] * len(ops), sealing(self._audit, audit))

    def _shard_change(self, product_id: str, shard: int, change: int) -> AttrMap:
        return {
            "Update": {
                "TableName": self._table,
                "Key": stock_key(product_id, shard),
                "UpdateExpression": "ADD available :change",
                "ConditionExpression": "attribute_exists(pk) AND available >= :taken",
                "ExpressionAttributeValues": expression_values(change=change, taken=max(0, -change)),
            }
        }

    def _more_shards(self, product_id: str, current: int, count: int, status: str, price: int) -> AttrMap:
        """The product now counts `count` shards; its status and price are what the new ones copied."""
        condition = "(attribute_not_exists(stock_shards) OR stock_shards = :current)"
        condition += " AND #status = :status AND price_cents = :price"
        return {
            "Update": {
                "TableName": self._table,
                "Key": product_key(product_id),
                "UpdateExpression": "SET stock_shards = :count",
                "ConditionExpression": condition,
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": expression_values(
                    current=current, count=count, status=status, price=price
                ),
            }
        }

    def products_below(self, threshold: int | None, limit: int, cursor: str | None) -> Page[StockedProduct]:
        """By ascending available units of each product's emptiest shard (the index holds shards, and a
        sum below `threshold` needs every shard below it): exact for a product of one shard; a
        product of several is listed once, at its emptiest shard, if its sum is below `threshold`.

        A product has up to MAX_SHARDS entries, so one Query reads that many entries per row wanted
        (at most _MOST_ENTRIES; they are keys only). Products are read as the entries reach them, no
        more at a time than rows are still wanted, and once per request; a page ends at the entry
        of its last row, where the next one resumes."""
        spec = PagedQuery(
            table=self._table,
            partitions=["STOCK"],
            scope=scope_of("stock", threshold),
            index="stock",
            partition_attr="stock_pk",
            sort_attr="available",
            range_condition=("available < :below", expression_values(below=threshold))
            if threshold is not None
            else None,
            sort_is_number=True,
        )
        rows: list[StockedProduct] = []
        known: dict[str, tuple[AttrMap, dict[int, StockLevels]] | None] = {}  # None: no such product
        while True:
            page = query_page(self._client, spec, min(_MOST_ENTRIES, limit * MAX_SHARDS), cursor)
            ids = [entry["pk"]["S"].removeprefix("PRODUCT#") for entry in page.items]
            for place, (entry, pid) in enumerate(zip(page.items, ids, strict=True)):
                if pid not in known:
                    unread = [other for other in dict.fromkeys(ids[place:]) if other not in known]
                    chunk = unread[: limit - len(rows)]
                    known |= dict.fromkeys(chunk) | self._read(chunk)
                row = self._row(entry, known.get(pid), threshold)
                rows += [row] if row else []
                if len(rows) == limit:
                    more = place + 1 < len(page.items) or page.next_cursor is not None
                    return Page(rows, cursor_after(spec, entry) if more else None)
            cursor = page.next_cursor
            if cursor is None:
                return Page(rows, None)

    @staticmethod
    def _row(
        entry: AttrMap, product: tuple[AttrMap, dict[int, StockLevels]] | None, threshold: int | None
    ) -> StockedProduct | None:
        """The product's row, if `entry` (a shard's key) is its emptiest shard and its sum is below."""
        if product is None or not product[1]:
            return None
        item, shards = product
        if shard_number(entry) != min(shards, key=lambda s: (shards[s].available, s)):
            return None
        levels = summed(item["id"]["S"], shards.values())
        below = threshold is None or levels.available < threshold
        return StockedProduct(product_from_item(item, levels.available), levels) if below else None

    def _read(self, product_ids: Sequence[str]) -> dict[str, tuple[AttrMap, dict[int, StockLevels]]]:
        found = products_with_shards(self._client, self._table, product_ids, consistent=False)
        return {item["id"]["S"]: (item, shards) for item, shards in found}


def _absent() -> AttrMap:
    return {"ConditionExpression": "attribute_not_exists(pk)"}
