"""How a cart lives in CartsTable; whole-cart operations, and the two helpers checkout uses.

One item per cart, key {pk: "CART#<owner id>", sk: "CART"}:
  products     string set of the product ids with a line; its size() is the line count that
               the 50-line condition checks, so the limit holds under any concurrency
  qty#<id>     the line's quantity (number); added#<id> when the line was added (RFC 3339)
  owner_id, updated_at, version (a fresh random revision on every write, never reused, so a
  condition on it cannot be fooled by a cart deleted and rebuilt meanwhile)
  expires_at   epoch seconds, guests only: a week after the last change (DynamoDB TTL)
Lines are top-level attributes, not a nested map, because DynamoDB can neither ADD to a nested
number nor create a nested path under a map that may not exist: with top-level attributes every
line write is a single UpdateItem whatever the cart held before.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from shop.domain.cart import CartChanged, CartLine, CartOwner, StoredCart, expires_at, ordered, timestamp

AttrMap = dict[str, Any]
QTY, ADDED = "qty#", "added#"


def cart_key(owner_id: str) -> AttrMap:
    return {"pk": {"S": f"CART#{owner_id}"}, "sk": {"S": "CART"}}


def new_version() -> str:
    return uuid.uuid4().hex


def cart_from_item(owner_id: str, item: AttrMap | None) -> StoredCart:
    if not item or "version" not in item:
        return StoredCart(owner_id)
    lines = [
        CartLine(pid, int(item[QTY + pid]["N"]), item.get(ADDED + pid, {}).get("S", ""))
        for pid in item.get("products", {}).get("SS", [])
        if QTY + pid in item
    ]
    return StoredCart(owner_id, ordered(lines), item["version"]["S"], item.get("updated_at", {}).get("S"))


def cart_item(owner_id: str, lines: tuple[CartLine, ...], version: str, updated_at: str) -> AttrMap:
    """A whole user cart (a merge's result). Never given expires_at: user carts are kept."""
    item: AttrMap = cart_key(owner_id) | {
        "owner_id": {"S": owner_id},
        "version": {"S": version},
        "updated_at": {"S": updated_at},
    }
    if lines:
        item["products"] = {"SS": [line.product_id for line in lines]}
    for line in lines:
        item[QTY + line.product_id] = {"N": str(line.quantity)}
        item[ADDED + line.product_id] = {"S": line.added_at}
    return item


def stamp(owner: CartOwner, now: datetime, version: str) -> tuple[str, AttrMap]:
    """The SET clauses and values every write carries: who, when, new version, guest expiry."""
    values: AttrMap = {
        ":owner": {"S": owner.id},
        ":now": {"S": timestamp(now)},
        ":version": {"S": version},
    }
    clause = "owner_id = :owner, updated_at = :now, version = :version"
    expiry = expires_at(owner, now)
    if expiry is not None:
        values[":expires"] = {"N": str(expiry)}
        clause += ", expires_at = :expires"
    return clause, values


def line_names(product_id: str) -> AttrMap:
    return {"#q": QTY + product_id, "#a": ADDED + product_id}


class DynamoCarts:
    """Whole carts: read, delete, merge; and what checkout needs (read the lines with their version,
    and empty the cart in checkout's own transaction only if it is still that version)."""

    def __init__(self, client: Any, table: str) -> None:
        self._client, self._table = client, table

    def get(self, owner_id: str) -> StoredCart:
        got = self._client.get_item(TableName=self._table, Key=cart_key(owner_id), ConsistentRead=True)
        return cart_from_item(owner_id, got.get("Item"))

    def get_pair(self, first_id: str, second_id: str) -> tuple[StoredCart, StoredCart]:
        keys = {"Keys": [cart_key(first_id), cart_key(second_id)], "ConsistentRead": True}
        request: AttrMap = {self._table: keys}
        found: dict[str, AttrMap] = {}
        while request:
            got = self._client.batch_get_item(RequestItems=request)
            found.update({item["pk"]["S"]: item for item in got["Responses"].get(self._table, [])})
            request = got.get("UnprocessedKeys") or {}
        first, second = (cart_key(owner)["pk"]["S"] for owner in (first_id, second_id))
        return cart_from_item(first_id, found.get(first)), cart_from_item(second_id, found.get(second))

    def empty(self, owner_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key=cart_key(owner_id))

    def save_merge(
        self, user: StoredCart, merged: Sequence[CartLine], guest: StoredCart, now: datetime
    ) -> None:
        item = cart_item(user.owner_id, tuple(merged), new_version(), timestamp(now))
        put: AttrMap = {"TableName": self._table, "Item": item}
        if user.version is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :version"
            put["ExpressionAttributeValues"] = {":version": {"S": user.version}}
        assert guest.version is not None  # a guest cart with lines was read
        items = [{"Put": put}, self.cart_delete_item(guest.owner_id, guest.version)]
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            raise CartChanged() from exc

    @staticmethod
    def _refused_item(exc: ClientError) -> AttrMap | None:
        """The item as it was when our condition failed; any other error is not ours to handle."""
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise exc
        item = exc.response.get("Item")
        return item if isinstance(item, dict) else None

    def get_cart_for_checkout(self, owner_id: str) -> tuple[list[tuple[str, int]], str | None]:
        """(product id, quantity) lines oldest first, and the version (None: no cart, no lines)."""
        cart = self.get(owner_id)
        return [(line.product_id, line.quantity) for line in cart.lines], cart.version

    def cart_delete_item(self, owner_id: str, version: str) -> AttrMap:
        """A TransactWriteItems element deleting the cart, cancelling the transaction (reason
        ConditionalCheckFailed at this element's index) if the cart changed since it was read."""
        return {
            "Delete": {
                "TableName": self._table,
                "Key": cart_key(owner_id),
                "ConditionExpression": "version = :version",
                "ExpressionAttributeValues": {":version": {"S": version}},
            }
        }
