"""Stock moves on CatalogTable's stock shards, as conditional elements of an order's transaction.

Each move shifts units between `available`, `reserved` and `sold` of ONE shard (the one the order
line recorded) with a condition that keeps the level it takes from non-negative, so no interleaving
of checkouts, payments, cancels and expiries can oversell; `available + reserved + sold` of every
shard is unchanged by every move. A reservation also checks, on the shard's copies, that the
product is still ACTIVE at the price the order froze: the product item itself is not in the
transaction, so buyers of one product on different shards never touch a common item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shop.adapters.catalog.catalog_dynamo import stock_key
from shop.adapters.catalog.stock_shards_dynamo import products_with_shards
from shop.adapters.dynamo_codec import AttrMap, from_item, to_item
from shop.services.order_ports import ProductSnapshot, Shortage, StockMove

_MOVES = {  # kind -> (level taken from, level given to)
    "reserve": ("available", "reserved"),
    "sell": ("reserved", "sold"),
    "release": ("reserved", "available"),
    "restock": ("sold", "available"),
}


def stock_move_element(table: str, move: StockMove) -> AttrMap:
    source, target = _MOVES[move.kind]
    condition = f"attribute_exists(pk) AND {source} >= :q"
    names: dict[str, str] = {}
    values: dict[str, Any] = {"q": move.quantity}
    if move.kind == "reserve":
        condition += " AND #status = :active AND price_cents = :price"
        names["#status"] = "status"
        values |= {"active": "ACTIVE", "price": move.unit_price_cents}
    update: AttrMap = {
        "TableName": table,
        "Key": stock_key(move.product_id, move.shard),
        "UpdateExpression": f"SET {source} = {source} - :q, {target} = {target} + :q",
        "ConditionExpression": condition,
        "ExpressionAttributeValues": to_item({f":{k}": v for k, v in values.items()}),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    if names:
        update["ExpressionAttributeNames"] = names
    return {"Update": update}


def shortage_of(move: StockMove, old_item: AttrMap | None) -> Shortage | None:
    """Why a reservation failed on its shard: a Shortage (gone, not on sale, too few on that shard),
    or None for a changed price."""
    if old_item is None:
        return Shortage(move.product_id, move.quantity, 0)
    old = from_item(old_item)
    available = int(old.get("available", 0)) if old.get("status") == "ACTIVE" else 0
    return Shortage(move.product_id, move.quantity, available) if available < move.quantity else None


class DynamoCheckoutProducts:
    """The products of a cart with the fields an order freezes and their shards' available units:
    one strongly consistent BatchGetItem (one more for sharded products)."""

    def __init__(self, client: Any, table: str) -> None:
        self._client, self._table = client, table

    def products_for_checkout(self, product_ids: Sequence[str]) -> Mapping[str, ProductSnapshot]:
        found: dict[str, ProductSnapshot] = {}
        for item, shards in products_with_shards(self._client, self._table, product_ids, consistent=True):
            d = from_item(item)
            available = {shard: levels.available for shard, levels in shards.items()}
            found[d["id"]] = ProductSnapshot(
                d["id"],
                d["sku"],
                d["name"],
                d["price_cents"],
                d["currency"],
                d["status"],
                sum(available.values()),
                available,
            )
        return found
