"""GET /admin/inventory?below=N on the stock index (one entry per shard): every product whose summed
stock is below N is listed once, at its emptiest shard, whatever the page size; and a page reads the
index once, not once per row, when its products have many shards. On in-process moto (no concurrency)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shop.adapters.catalog.catalog_dynamo import product_key
from shop.adapters.catalog.inventory_dynamo import DynamoStockStore
from shop.adapters.catalog.stock_shards_dynamo import shard_item
from shop.adapters.dynamo_codec import to_item
from shop.domain.inventory import StockedProduct

TABLE = "catalog"
# product id -> its shards' available units (the stock's index is sorted by them)
STOCK = {
    "single-low": [2],
    "single-mid": [7],
    "single-high": [40],
    "wide-low": [1] * 16,  # sum 16
    "wide-mixed": [0, *range(5, 20)],  # sum 185, emptiest shard 0
    "wide-high": [30] * 16,  # sum 480
    "pair-tied": [3, 3],  # sum 6: two shards at the same level, listed once
}


class Counting:
    """The DynamoDB client, counting calls by operation."""

    def __init__(self, client: Any) -> None:
        self._client, self.calls = client, Counter[str]()

    def __getattr__(self, name: str) -> Any:
        operation = getattr(self._client, name)

        def counted(**params: Any) -> Any:
            self.calls[name] += 1
            return operation(**params)

        return counted


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "stock_pk", "AttributeType": "S"},
                {"AttributeName": "available", "AttributeType": "N"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "stock",
                    "KeySchema": [
                        {"AttributeName": "stock_pk", "KeyType": "HASH"},
                        {"AttributeName": "available", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for product_id, shards in STOCK.items():
            client.put_item(TableName=TABLE, Item=_product(product_id, len(shards)))
            for shard, available in enumerate(shards):
                item = shard_item(product_id, shard, "ACTIVE", 500, available)
                client.put_item(TableName=TABLE, Item=item)
        yield client


def _product(product_id: str, shards: int) -> dict[str, Any]:
    fields = {"id": product_id, "sku": product_id.upper(), "name": product_id, "price_cents": 500}
    fields |= {"currency": "USD", "category_id": "c1", "status": "ACTIVE", "version": 1}
    fields |= {
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "stock_shards": shards,
    }
    return product_key(product_id) | to_item(fields)


def _pages(store: DynamoStockStore, below: int | None, size: int) -> list[list[StockedProduct]]:
    pages, cursor = [], None
    for _ in range(len(STOCK) * 16 + 2):  # a cursor that never advances fails instead of looping
        page = store.products_below(below, size, cursor)
        assert len(page.items) <= size
        pages.append(list(page.items))
        cursor = page.next_cursor
        if cursor is None:
            return pages
    pytest.fail("the listing never ended")


@pytest.mark.parametrize("size", [1, 2, 3, 5, 20])
@pytest.mark.parametrize("below", [None, 3, 7, 17, 200, 10**6])
def test_every_product_below_is_listed_once_at_its_emptiest_shard(dynamodb, below, size):
    rows = [row for page in _pages(DynamoStockStore(dynamodb, TABLE), below, size) for row in page]
    expected = {pid for pid, shards in STOCK.items() if below is None or sum(shards) < below}
    assert [row.product.id for row in rows if row.product.id not in expected] == []
    assert sorted(row.product.id for row in rows) == sorted(expected)  # each once
    assert all(row.levels.available == sum(STOCK[row.product.id]) for row in rows)
    emptiest = [min(STOCK[row.product.id]) for row in rows]
    assert emptiest == sorted(emptiest)  # by each product's emptiest shard


def test_a_page_of_wide_products_reads_the_index_once(dynamodb):
    client = Counting(dynamodb)
    page = DynamoStockStore(client, TABLE).products_below(None, 3, None)
    assert [row.product.id for row in page.items] == ["wide-mixed", "wide-low", "single-low"]
    # The 16 entries of wide-low lie between the first row and the third: one Query reads them all
    # (up to 16 entries a row), then the three products with their shard 0 (one BatchGetItem) and
    # the other shards of the two wide ones (one more). Reading the index a row at a time took a
    # Query (and reads) per entry left to read: 16 Queries here.
    assert client.calls == Counter(query=1, batch_get_item=2)
