"""The catalog's current products for pricing carts: one BatchGetItem for every line's product and
its first stock shard, and one more for the other shards of a product whose line needs more units
than its first shard holds (the only time a cart needs the sum).

Items are read exactly as the catalog stores them (shop.adapters.catalog.catalog_dynamo_products), with
strongly consistent reads, so a price, status or stock change shows in the very next cart answer
(but for a sharded product's shards past the first: shop.adapters.catalog.stock_shards_dynamo).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shop.adapters.catalog.stock_shards_dynamo import product_from_item, products_with_stock
from shop.domain.catalog import Product


class DynamoProductCatalog:
    def __init__(self, client: Any, table: str) -> None:
        self._client, self._table = client, table

    def products(
        self, product_ids: Iterable[str], *, needed: Mapping[str, int] | None = None
    ) -> dict[str, Product]:
        stocked = products_with_stock(self._client, self._table, product_ids, needed or {})
        products = [product_from_item(item, levels.available) for item, levels in stocked]
        return {product.id: product for product in products}
