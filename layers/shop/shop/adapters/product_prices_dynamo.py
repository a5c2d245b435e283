"""The catalog's current products for pricing carts: one BatchGetItem for every line at once.

Items are read exactly as the catalog stores them (shop.adapters.catalog_dynamo_products), with
strongly consistent reads, so a price or status change shows in the very next cart answer.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from shop.adapters.catalog_dynamo import product_key
from shop.adapters.catalog_dynamo_products import product_from_item
from shop.domain.catalog import Product

BATCH_LIMIT = 100  # keys per BatchGetItem; a cart has at most 50 lines (+1 being added)
MAX_ATTEMPTS = 8


class DynamoProductCatalog:
    def __init__(self, client: Any, table: str) -> None:
        self._client, self._table = client, table

    def products(self, product_ids: Iterable[str]) -> dict[str, Product]:
        wanted = list(dict.fromkeys(product_ids))  # BatchGetItem refuses duplicate keys
        found: dict[str, Product] = {}
        for start in range(0, len(wanted), BATCH_LIMIT):
            keys = [product_key(pid) for pid in wanted[start : start + BATCH_LIMIT]]
            request: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": True}}
            # Keys left unprocessed (throttling) are asked again, backing off.
            for attempt in range(1, MAX_ATTEMPTS + 1):
                got = self._client.batch_get_item(RequestItems=request)
                for item in got["Responses"].get(self._table, []):
                    product = product_from_item(item)
                    found[product.id] = product
                request = got.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(min(1.0, 0.02 * 2**attempt))
            else:
                raise RuntimeError("catalog reads stayed throttled; not pricing a cart from part of it")
        return found
