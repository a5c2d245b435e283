"""Stock moves on CatalogTable's stock shards, as conditional elements of an order's transaction.

Each move shifts units between `available`, `reserved` and `sold` of ONE shard (the one the order
line recorded) with a condition that keeps the level it takes from non-negative, so no interleaving
of checkouts, payments, cancels and expiries can oversell; `available + reserved + sold` of every
shard is unchanged by every move. A reservation also checks, on the shard's copies, that the
product is still ACTIVE at the price the order froze: the product item itself is not in the
transaction, so buyers of one product on different shards never touch a common item.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from shop.adapters.catalog.catalog_dynamo import stock_key
from shop.adapters.catalog.stock_shards_dynamo import products_with_shards, shard_count_of
from shop.adapters.dynamo_codec import AttrMap, from_item, to_item
from shop.services.order_ports import ProductSnapshot, Shortage, StockMove

SAMPLED_SHARDS = 2  # the shards of a sharded product that checkout reads and picks from

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
    one strongly consistent BatchGetItem (one more for sharded products). A sharded product comes
    with two of its shards picked at random, which is what checkout reserves from: it reads two
    small items instead of up to 16, and buyers of one product still spread over all its shards."""

    def __init__(self, client: Any, table: str, rng: random.Random | None = None) -> None:
        self._client, self._table = client, table
        self._rng = rng or random.Random()  # noqa: S311 - spreads buyers over shards, not a secret

    def products_for_checkout(
        self, product_ids: Sequence[str], *, every_shard: bool = False
    ) -> Mapping[str, ProductSnapshot]:
        picked: dict[str, set[int]] = {}

        def pick(product_id: str, count: int) -> set[int]:
            picked[product_id] = set(self._rng.sample(range(count), min(count, SAMPLED_SHARDS)))
            return picked[product_id]

        sample = None if every_shard else pick
        found: dict[str, ProductSnapshot] = {}
        read = products_with_shards(self._client, self._table, product_ids, consistent=True, sample=sample)
        for item, shards in read:
            d = from_item(item)
            from_shards = picked.get(d["id"], set(shards))
            available = {shard: levels.available for shard, levels in shards.items() if shard in from_shards}
            found[d["id"]] = ProductSnapshot(
                d["id"],
                d["sku"],
                d["name"],
                d["price_cents"],
                d["currency"],
                d["status"],
                sum(available.values()),
                available,
                every_shard=len(available) == shard_count_of(item),
            )
        return found
