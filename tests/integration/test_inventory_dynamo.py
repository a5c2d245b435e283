"""Stock adjustments on the emulator: one conditional write each, so stock never goes negative."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from shop.adapters.aws import client
from shop.adapters.catalog.inventory_dynamo import DynamoStockStore
from shop.bootstrap import build_category_service, build_inventory_service, build_product_service
from shop.config import settings
from shop.domain.callers import Caller
from shop.domain.inventory import StockedProduct
from shop.domain.stock_shards import UNITS_PER_SHARD
from shop.errors import InsufficientStock, NotFound

pytestmark = pytest.mark.integration
ADMIN = Caller(id="admin-it", role="admin", request_id="it")


@pytest.fixture
def new_product(stack):
    tag = uuid.uuid4().hex[:8]
    category = build_category_service().create_category(ADMIN, "Stock", f"stock-{tag}")
    made = iter(range(1000))

    def make(available: int = 0):
        product = build_product_service().create_product(
            ADMIN, sku=f"STK-{tag}-{next(made)}", name="Stocked", price_cents=100, category_id=category.id
        )
        if available:
            build_inventory_service().adjust_stock(ADMIN, product.id, available, "initial count")
        return product

    return make


def test_levels_start_at_zero_and_follow_adjustments(new_product):
    inventory = build_inventory_service()
    product = new_product()
    assert inventory.stock_levels(product.id).available == 0
    levels = inventory.adjust_stock(ADMIN, product.id, 12, "delivery")
    assert (levels.available, levels.reserved, levels.sold) == (12, 0, 0)
    with pytest.raises(InsufficientStock) as refused:
        inventory.adjust_stock(ADMIN, product.id, -13, "miscount")
    assert refused.value.details["available"] == 12
    assert build_product_service().get_product(product.id, is_admin=True).stock_available == 12
    with pytest.raises(NotFound):
        inventory.adjust_stock(ADMIN, "no-such-product", 1, "x")


def test_concurrent_removals_never_take_stock_below_zero(new_product):
    product = new_product(available=100)
    store = DynamoStockStore(client("dynamodb"), settings().catalog_table)
    successes, lock = [], threading.Lock()

    def take_until_refused(_: int) -> None:
        while True:
            try:
                store.adjust_stock(product.id, -7)
            except InsufficientStock:
                return
            with lock:
                successes.append(1)

    # 8 writers: the emulator copies every table for each transaction it might roll back, so many
    # more only measure that; the same race at 200-way runs on DynamoDB Local (tests/dynamodb_local)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(take_until_refused, range(8)))
    levels = store.stock_levels(product.id)
    assert levels is not None
    assert levels.available == 100 - 7 * len(successes) >= 0
    assert len(successes) == 14 and levels.available == 2
    assert (levels.reserved, levels.sold) == (0, 0)


def test_below_lists_only_low_products_lowest_first(new_product):
    low, empty, plenty = new_product(3), new_product(0), new_product(50)
    seen = _all_below(5)
    ids = [row.product.id for row in seen]
    assert low.id in ids and empty.id in ids and plenty.id not in ids
    assert len(ids) == len(set(ids)) and all(row.levels.available < 5 for row in seen)
    one_shard = [row.levels.available for row in seen if row.product.stock_shards == 1]
    assert one_shard == sorted(one_shard)


def _all_below(threshold: int, page_size: int = 2) -> list[StockedProduct]:
    inventory = build_inventory_service()
    seen: list[StockedProduct] = []
    cursor = None
    while True:
        page = inventory.products_below(threshold, page_size, cursor)
        assert len(page.items) <= page_size
        seen += page.items
        cursor = page.next_cursor
        if cursor is None:
            return seen


def test_stock_beyond_a_shard_is_spread_over_shards_and_read_as_their_sum(new_product):
    """A product's stock grows into several shards; levels, the product and the low-stock list show
    the sum, and the list names a sharded product once, only while its sum is below the threshold."""
    inventory = build_inventory_service()
    product = new_product(available=3 * UNITS_PER_SHARD)
    shards = _shards(product.id)
    assert len(shards) == 3 and sorted(s["available"] for s in shards) == [UNITS_PER_SHARD] * 3
    levels = inventory.adjust_stock(ADMIN, product.id, -(3 * UNITS_PER_SHARD - 4), "sale ended")
    assert (levels.available, levels.reserved, levels.sold) == (4, 0, 0)
    assert sorted(s["available"] for s in _shards(product.id)) == [1, 1, 2]
    assert build_product_service().get_product(product.id, is_admin=True).stock_available == 4
    assert [row.levels.available for row in _all_below(5) if row.product.id == product.id] == [4]
    assert product.id not in [row.product.id for row in _all_below(4)]
    with pytest.raises(InsufficientStock):
        inventory.adjust_stock(ADMIN, product.id, -5, "miscount")
    assert inventory.adjust_stock(ADMIN, product.id, -4, "write-off").available == 0
    assert [s["available"] for s in _shards(product.id)] == [0, 0, 0]


def _shards(product_id: str) -> list[dict[str, int]]:
    answer = client("dynamodb").query(
        TableName=settings().catalog_table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :stock)",
        ExpressionAttributeValues={":pk": {"S": f"PRODUCT#{product_id}"}, ":stock": {"S": "STOCK#"}},
        ConsistentRead=True,
    )
    return [{k: int(v["N"]) for k, v in item.items() if "N" in v} for item in answer["Items"]]
