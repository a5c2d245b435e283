"""CartStore on DynamoDB: every line write is one conditional UpdateItem (layout in carts_dynamo).

The limits are the write's own condition, never a read followed by a write: a new line needs
size(products) < 50, an added quantity needs the line to be at most 99 - n. The cart before the
write comes back with it (ALL_OLD, also on a failed condition), which tells a full cart from a
line at its maximum, and gives the cart after without another read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from shop.adapters.carts.carts_dynamo import (
    ADDED,
    QTY,
    AttrMap,
    DynamoCarts,
    cart_from_item,
    cart_key,
    line_names,
    new_version,
    stamp,
)
from shop.domain.cart import (
    MAX_LINES,
    MAX_QUANTITY,
    CartLine,
    CartOwner,
    StoredCart,
    line_over_limit,
    timestamp,
    with_quantity,
)
from shop.errors import CartFull

logger = Logger(service="shop")
ROOM_FOR_NEW_LINE = "attribute_not_exists(products) OR size(products) < :max_lines"


class DynamoCartStore(DynamoCarts):
    """The CartStore port: whole-cart operations (DynamoCarts) and conditional line writes."""

    def add_line(
        self, owner: CartOwner, product_id: str, quantity: int, now: datetime
    ) -> tuple[StoredCart, StoredCart]:
        return self._write_line(
            owner,
            product_id,
            now,
            "#q = if_not_exists(#q, :zero) + :n",
            f"(attribute_exists(#q) AND #q <= :room) OR (attribute_not_exists(#q) AND ({ROOM_FOR_NEW_LINE}))",
            {":zero": {"N": "0"}, ":n": {"N": str(quantity)}, ":room": {"N": str(MAX_QUANTITY - quantity)}},
            lambda before: quantity + (line.quantity if (line := before.line(product_id)) else 0),
        )

    def set_line(
        self, owner: CartOwner, product_id: str, quantity: int, now: datetime
    ) -> tuple[StoredCart, StoredCart]:
        return self._write_line(
            owner,
            product_id,
            now,
            "#q = :n",
            f"attribute_exists(#q) OR {ROOM_FOR_NEW_LINE}",
            {":n": {"N": str(quantity)}},
            lambda _: quantity,
        )

    def remove_line(self, owner: CartOwner, product_id: str, now: datetime) -> tuple[bool, StoredCart]:
        clause, values = stamp(owner, now, new_version())
        try:
            got = self._update(
                owner.id,
                f"REMOVE #q, #a SET {clause} DELETE products :pid",
                "attribute_exists(#q)",
                line_names(product_id),
                values | {":pid": {"SS": [product_id]}},
                "ALL_NEW",
            )
        except ClientError as exc:
            return False, cart_from_item(owner.id, self._refused_item(exc))
        return True, cart_from_item(owner.id, got.get("Attributes"))

    def restore_line(
        self, owner: CartOwner, product_id: str, before: CartLine | None, written: CartLine, now: datetime
    ) -> None:
        clause, values = stamp(owner, now, new_version())
        values |= {":written": {"N": str(written.quantity)}}
        if before is None:
            expression = f"REMOVE #q, #a SET {clause} DELETE products :pid"
            values |= {":pid": {"SS": [product_id]}}
        else:
            expression = f"SET #q = :before, {clause}"
            values |= {":before": {"N": str(before.quantity)}}
        names = line_names(product_id) if before is None else {"#q": line_names(product_id)["#q"]}
        try:
            self._update(owner.id, expression, "#q = :written", names, values, "NONE")
        except ClientError as exc:
            self._refused_item(exc)
            logger.warning("cart line changed again before its undo; left as it is")

    def remove_lines(self, owner: CartOwner, product_ids: Sequence[str], now: datetime) -> None:
        clause, values = stamp(owner, now, new_version())
        names = {f"#q{i}": QTY + pid for i, pid in enumerate(product_ids)}
        names |= {f"#a{i}": ADDED + pid for i, pid in enumerate(product_ids)}
        values |= {":pids": {"SS": list(product_ids)}}
        expression = f"REMOVE {', '.join(names)} SET {clause} DELETE products :pids"
        try:
            self._update(owner.id, expression, "attribute_exists(pk)", names, values, "NONE")
        except ClientError as exc:
            self._refused_item(exc)  # the cart is gone: nothing left to prune

    def _write_line(
        self,
        owner: CartOwner,
        product_id: str,
        now: datetime,
        quantity_clause: str,
        condition: str,
        values: AttrMap,
        quantity_after: Callable[[StoredCart], int],
    ) -> tuple[StoredCart, StoredCart]:
        version = new_version()
        clause, stamped = stamp(owner, now, version)
        expression = f"SET {quantity_clause}, #a = if_not_exists(#a, :now), {clause} ADD products :pid"
        values = values | stamped | {":pid": {"SS": [product_id]}, ":max_lines": {"N": str(MAX_LINES)}}
        try:
            got = self._update(owner.id, expression, condition, line_names(product_id), values, "ALL_OLD")
        except ClientError as exc:
            refused = cart_from_item(owner.id, self._refused_item(exc))
            raise line_over_limit() if refused.line(product_id) else CartFull() from exc
        before = cart_from_item(owner.id, got.get("Attributes"))
        lines = with_quantity(before, product_id, quantity_after(before), timestamp(now))
        return before, replace(before, lines=lines, version=version, updated_at=timestamp(now))

    def _update(
        self, owner_id: str, expression: str, condition: str, names: AttrMap, values: AttrMap, returns: str
    ) -> AttrMap:
        return self._client.update_item(
            TableName=self._table,
            Key=cart_key(owner_id),
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues=returns,
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
