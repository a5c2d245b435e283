"""Reading products with their stock shards from CatalogTable (layout: shop.adapters.catalog.catalog_dynamo).

A product item names its shard count, so the shards of a page of products are one more
BatchGetItem of known keys; products by id are read with their shard 0 (all an ordinary product
has), sharded ones with one more BatchGetItem; one product with its shards is one Query on its pk.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from shop.adapters.batch_reads import get_items
from shop.adapters.catalog.catalog_dynamo import STOCK_PREFIX, product_key, stock_key
from shop.adapters.dynamo_codec import AttrMap, from_item, to_item
from shop.domain.catalog import Product
from shop.domain.inventory import StockLevels, summed


def shard_item(product_id: str, shard: int, status: str, price_cents: int, available: int = 0) -> AttrMap:
    """A new shard: empty but for `available`, with the copies of status and price a reservation checks."""
    fields = {"product_id": product_id, "shard": shard, "stock_pk": "STOCK", "available": available}
    fields |= {"reserved": 0, "sold": 0, "status": status, "price_cents": price_cents}
    return stock_key(product_id, shard) | to_item(fields)


def shard_number(item: AttrMap) -> int:
    return int(item["sk"]["S"].removeprefix(STOCK_PREFIX))


def shard_levels(item: AttrMap) -> StockLevels:
    data = from_item(item)
    return StockLevels(data["product_id"], data["available"], data["reserved"], data["sold"])


def shard_count_of(item: AttrMap) -> int:
    """A product item's shard count (1 for an item written before shards had a count)."""
    return int(item.get("stock_shards", {}).get("N", "1"))


def read_shards(
    client: Any, table: str, counts: Mapping[str, int], *, consistent: bool, first: int = 0
) -> dict[str, dict[int, StockLevels]]:
    """Shards `first`.. of the products in `counts` (product id -> shard count), by product then shard."""
    wanted = {pid: range(first, count) for pid, count in counts.items()}
    return read_shard_numbers(client, table, wanted, consistent=consistent)


def read_shard_numbers(
    client: Any, table: str, wanted: Mapping[str, Iterable[int]], *, consistent: bool
) -> dict[str, dict[int, StockLevels]]:
    """The shards `wanted` names (product id -> shard numbers), by product then shard: one BatchGetItem."""
    keys = [stock_key(pid, shard) for pid, numbers in wanted.items() for shard in numbers]
    shards: dict[str, dict[int, StockLevels]] = {pid: {} for pid in wanted}
    for item in get_items(client, table, keys, consistent):
        shards.setdefault(item["product_id"]["S"], {})[shard_number(item)] = shard_levels(item)
    return shards


def product_from_item(item: AttrMap, stock_available: int) -> Product:
    """A product item and the units its shards hold available (the sum: shop.domain.inventory.summed)."""
    data = from_item(item)
    return Product(
        id=data["id"],
        sku=data["sku"],
        name=data["name"],
        description=data.get("description"),
        price_cents=data["price_cents"],
        currency=data["currency"],
        category_id=data["category_id"],
        status=data["status"],
        stock_available=stock_available,
        created_at=data["created_at"],
        updated_at=data["updated_at"],
        version=data["version"],
        stock_shards=shard_count_of(item),
    )


def products_with_shards(
    client: Any,
    table: str,
    product_ids: Iterable[str],
    *,
    consistent: bool,
    others_consistent: bool | None = None,
    short_of: Mapping[str, int] | None = None,
    sample: Callable[[str, int], Collection[int]] | None = None,
) -> list[tuple[AttrMap, dict[int, StockLevels]]]:
    """The product items that exist among `product_ids`, each with its shards. Shard 0 is read with
    the products (one BatchGetItem: all an ordinary product has); the other shards of sharded
    products in one more (`others_consistent`: strongly consistent, as `consistent` by default).
    With `short_of`, only the other shards of the products it names whose shard 0 holds fewer
    available units than it says are read: the others come back with shard 0 alone. With
    `sample` (product id, shard count -> shard numbers), only the shards it names of a sharded
    product are read besides shard 0."""
    ids = list(dict.fromkeys(product_ids))
    keys = [key for pid in ids for key in (product_key(pid), stock_key(pid, 0))]
    products: dict[str, AttrMap] = {}
    shards: dict[str, dict[int, StockLevels]] = {pid: {} for pid in ids}
    for item in get_items(client, table, keys, consistent):
        if item["sk"]["S"].startswith(STOCK_PREFIX):
            shards[item["product_id"]["S"]][shard_number(item)] = shard_levels(item)
        else:
            products[item["id"]["S"]] = item
    sharded = {pid: shard_count_of(item) for pid, item in products.items() if shard_count_of(item) > 1}
    if short_of is not None:
        sharded = {
            pid: count
            for pid, count in sharded.items()
            if _first_available(shards[pid]) < short_of.get(pid, 0)
        }
    others = consistent if others_consistent is None else others_consistent
    wanted = {
        pid: (set(sample(pid, count)) if sample else set(range(count))) - {0}
        for pid, count in sharded.items()
    }
    for pid, more in read_shard_numbers(client, table, wanted, consistent=others).items():
        shards[pid] |= more
    return [(products[pid], shards[pid]) for pid in ids if pid in products]


def products_with_stock(
    client: Any, table: str, product_ids: Iterable[str], needed: Mapping[str, int]
) -> list[tuple[AttrMap, StockLevels]]:
    """The product items that exist among `product_ids`, strongly consistent, each with the stock a
    cart needs to know of: shard 0's, read with the products, unless `needed` names the product and
    shard 0 holds fewer units than that; then the sum over its shards, the others read eventually
    consistent (half the read units each; the sum is advice to a cart, checkout reads every shard
    strongly consistent)."""
    found = products_with_shards(
        client, table, product_ids, consistent=True, others_consistent=False, short_of=needed
    )
    return [(item, summed(item["id"]["S"], shards.values())) for item, shards in found]


def _first_available(shards: Mapping[int, StockLevels]) -> int:
    first = shards.get(0)
    return first.available if first is not None else 0


def with_stock(
    client: Any, table: str, items: Sequence[AttrMap], *, consistent: bool
) -> list[tuple[AttrMap, StockLevels]]:
    """Product items (a page of an index) with their summed stock, in their order: one BatchGetItem."""
    counts = {item["id"]["S"]: shard_count_of(item) for item in items}
    shards = read_shards(client, table, counts, consistent=consistent)
    return [(item, summed(item["id"]["S"], shards[item["id"]["S"]].values())) for item in items]


def product_with_shards(
    client: Any, table: str, product_id: str
) -> tuple[AttrMap | None, dict[int, StockLevels]]:
    """A product item and its shards, read together (one strongly consistent Query on its pk)."""
    from shop.adapters.dynamo_paging import every_item  # here: the cart's functions never page

    query: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": product_key(product_id)["pk"]},
        "ConsistentRead": True,
    }
    product: AttrMap | None = None
    shards: dict[int, StockLevels] = {}
    for item in every_item(client.query, query):
        if item["sk"]["S"].startswith(STOCK_PREFIX):
            shards[shard_number(item)] = shard_levels(item)
        elif item["sk"]["S"] == product_key(product_id)["sk"]["S"]:
            product = item
    return product, shards
