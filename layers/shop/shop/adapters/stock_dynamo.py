"""Stock moves on CatalogTable's product items, as conditional elements of an order's transaction.

Each move shifts units between `available`, `reserved` and `sold` with a condition that keeps the
level it takes from non-negative, so no interleaving of checkouts, payments, cancels and expiries
can oversell; `available + reserved + sold` is unchanged by every move. A reservation also checks
that the product is still ACTIVE at the price the order froze.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shop.adapters.catalog_dynamo import from_attrs, product_key
from shop.adapters.orders_dynamo_items import AttrMap, serialise
from shop.services.order_ports import ProductSnapshot, Shortage, StockMove

_MOVES = {  # kind -> (level taken from, level given to)
    "reserve": ("available", "reserved"),
    "sell": ("reserved", "sold"),
    "release": ("reserved", "available"),
    "restock": ("sold", "available"),
}
_BATCH = 100


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
        "Key": product_key(move.product_id),
        "UpdateExpression": f"SET {source} = {source} - :q, {target} = {target} + :q",
        "ConditionExpression": condition,
        "ExpressionAttributeValues": serialise({f":{k}": v for k, v in values.items()}),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    if names:
        update["ExpressionAttributeNames"] = names
    return {"Update": update}


def shortage_of(move: StockMove, old_item: AttrMap | None) -> Shortage | None:
    """Why a reservation failed: a Shortage (gone, not on sale, too few), or None for a changed price."""
    if old_item is None:
        return Shortage(move.product_id, move.quantity, 0)
    old = from_attrs(old_item)
    available = int(old.get("available", 0)) if old.get("status") == "ACTIVE" else 0
    return Shortage(move.product_id, move.quantity, available) if available < move.quantity else None


class DynamoCheckoutProducts:
    """The products of a cart in one BatchGetItem, with the fields an order freezes."""

    def __init__(self, client: Any, table: str) -> None:
        self._client, self._table = client, table

    def products_for_checkout(self, product_ids: Sequence[str]) -> Mapping[str, ProductSnapshot]:
        found: dict[str, ProductSnapshot] = {}
        unique = list(dict.fromkeys(product_ids))
        for start in range(0, len(unique), _BATCH):
            request: dict[str, Any] = {
                self._table: {
                    "Keys": [product_key(pid) for pid in unique[start : start + _BATCH]],
                    "ProjectionExpression": "id, sku, #name, price_cents, currency, #status, available",
                    "ExpressionAttributeNames": {"#name": "name", "#status": "status"},
                    "ConsistentRead": True,
                }
            }
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self._table, []):
                    d = from_attrs(item)
                    found[d["id"]] = ProductSnapshot(
                        d["id"],
                        d["sku"],
                        d["name"],
                        d["price_cents"],
                        d["currency"],
                        d["status"],
                        d["available"],
                    )
                request = answer.get("UnprocessedKeys") or {}
        return found
