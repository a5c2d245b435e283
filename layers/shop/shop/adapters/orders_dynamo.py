"""The order store on OrdersTable: every change is ONE TransactWriteItems, reads are Queries.

An order's new state is written on condition that its stored `version` is still the seq before the
new events, and each event on condition that its seq is free: two writers that read the same
version cannot both append. Stock moves, payments and foreign elements (cart, idempotency record)
join the same transaction, and so does the owner's open-orders item when the order enters or
leaves PENDING_PAYMENT. Item layouts: shop.adapters.orders_dynamo_items. With `addresses`, the
store seals a new order's address and opens it on reads; without, it reads orders with an empty
address and cannot create one (a function with no KMS grant for order data).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shop.adapters import orders_dynamo_items as items
from shop.adapters.order_addresses import SealedAddresses
from shop.adapters.orders_dynamo_items import ADDRESS, AttrMap, order_pk, serialise
from shop.adapters.orders_dynamo_paging import orders_page
from shop.adapters.stock_dynamo import shortage_of, stock_move_element
from shop.domain.orders import MAX_OPEN_ORDERS, Order, OrderEvent
from shop.domain.paging import Page
from shop.domain.payments import REFUND_STEPS
from shop.services.order_ports import CommitRefused, OrderChange, OrderHistory, Shortage, StockMove

_BUSY_REASONS = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}


class DynamoOrderStore:
    def __init__(
        self, client: Any, orders_table: str, catalog_table: str, addresses: SealedAddresses | None = None
    ) -> None:
        self._client, self._table, self._catalog = client, orders_table, catalog_table
        self._addresses = addresses

    def get_order(self, order_id: str) -> Order | None:
        got = self._client.get_item(TableName=self._table, Key=items.order_key(order_id), ConsistentRead=True)
        return self.order_from_item(got["Item"]) if "Item" in got else None

    def order_from_item(self, raw: AttrMap) -> Order:
        """An order item as read (a Query of an index too), its address opened if this store may."""
        return items.order_from_item(raw, self._address_of(raw))

    def _address_of(self, raw: AttrMap) -> dict[str, Any] | None:
        return self._addresses.open(raw) if self._addresses is not None else None

    def order_history(self, order_id: str) -> OrderHistory | None:
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": serialise({":pk": order_pk(order_id)}),
            "ConsistentRead": True,
        }
        found: list[AttrMap] = []
        while True:
            answer = self._client.query(**query)
            found += answer.get("Items", [])
            if "LastEvaluatedKey" not in answer:
                break
            query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
        by_sk = {item["sk"]["S"]: item for item in found}
        if items.ORDER_SK not in by_sk:
            return None
        ordered = sorted(by_sk)
        return OrderHistory(
            order=self.order_from_item(by_sk[items.ORDER_SK]),
            events=[
                items.event_from_item(by_sk[sk], self._address_of(by_sk[sk]))
                for sk in ordered
                if sk.startswith(items.EVENT_PREFIX)
            ],
            payments=[
                items.payment_from_item(by_sk[sk]) for sk in ordered if sk.startswith(items.PAYMENT_PREFIX)
            ],
        )

    def orders_of(self, user_id: str, limit: int, cursor: str | None) -> Page[Order]:
        page = orders_page(self._client, self._table, user_id, limit, cursor)
        return Page([self.order_from_item(i) for i in page.items], page.next_cursor)

    def due_reservations(self, now: str, limit: int) -> Sequence[str]:
        answer = self._client.query(
            TableName=self._table,
            IndexName="gsi3",
            KeyConditionExpression="gsi3pk = :pending AND gsi3sk < :now",
            ExpressionAttributeValues=serialise({":pending": "PENDING", ":now": now}),
            Limit=limit,
        )
        return [item["pk"]["S"].removeprefix("ORDER#") for item in answer.get("Items", [])]

    def commit(self, change: OrderChange) -> None:
        elements, tags = self._elements(change)
        try:
            self._client.transact_write_items(TransactItems=elements)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                if _unknown_outcome(exc) and self._landed(change):
                    return
                raise
            reasons: list[dict[str, Any]] = list(exc.response.get("CancellationReasons") or [])  # type: ignore[arg-type]
            raise _refusal(reasons, tags) from exc
        except BotoCoreError:
            if self._landed(change):
                return
            raise

    def _landed(self, change: OrderChange) -> bool:
        """After an answer that does not say whether the transaction ran (a 5xx, a timeout), look:
        its first event is stored with our event id exactly if it committed. A payment whose commit
        landed must not be voided, a cancellation must still refund, a checkout must answer 201."""
        if not change.events:
            return False
        first = change.events[0]
        key = {"pk": {"S": order_pk(first.order_id)}, "sk": {"S": f"{items.EVENT_PREFIX}{first.seq:08d}"}}
        try:
            got = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        except (ClientError, BotoCoreError):
            return False  # still unknown: the caller gets the original error
        stored = got.get("Item", {}).get("event_id", {}).get("S")
        return bool(stored == first.event_id)

    def _elements(self, change: OrderChange) -> tuple[list[AttrMap], list[object]]:
        """The transaction, and for each element what a failed condition on it means."""
        elements: list[AttrMap] = [self._order_element(change)]
        tags: list[object] = ["order"]
        for event in change.events:
            elements.append(
                self._put(self._event_item(event), {"ConditionExpression": "attribute_not_exists(sk)"})
            )
            tags.append("order")
        for move in change.stock:
            elements.append(stock_move_element(self._catalog, move))
            tags.append(move)
        for payment in change.new_payments:
            elements.append(
                self._put(items.payment_item(payment), {"ConditionExpression": "attribute_not_exists(sk)"})
            )
            tags.append("order")
        for refund in change.refunds:
            step_before = {
                "ConditionExpression": "#status = :before",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": serialise({":before": REFUND_STEPS[refund.status]}),
            }
            elements.append(self._put(items.payment_item(refund), step_before))
            tags.append("order")
        if change.pending_slot is not None:
            elements.append(self._pending_slot(change))
            tags.append("open_orders")
        elements += change.foreign
        tags += ["foreign"] * len(change.foreign)
        return elements, tags

    def _order_element(self, change: OrderChange) -> AttrMap:
        """A new order is put whole with its sealed address; an existing one is updated in place."""
        if change.base_version == 0:
            item = items.order_item(change.order)
            item |= self._seal(item, change.order.shipping_address)
            return self._put(item, {"ConditionExpression": "attribute_not_exists(pk)"})
        update = items.order_update(change.order)
        update["ConditionExpression"] = "#version = :base"
        update["ExpressionAttributeNames"]["#version"] = "version"
        update["ExpressionAttributeValues"] |= serialise({":base": change.base_version})
        return {"Update": {"TableName": self._table, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"} | update}

    def _event_item(self, event: OrderEvent) -> AttrMap:
        item = items.event_item(event)
        if ADDRESS in event.data:
            item |= self._seal(item, event.data[ADDRESS])
        return item

    def _seal(self, item: AttrMap, address: Any) -> AttrMap:
        if self._addresses is None:
            raise RuntimeError("this order store cannot seal a shipping address (no key for order data)")
        return self._addresses.seal(item, address)

    def _pending_slot(self, change: OrderChange) -> AttrMap:
        """The owner's set of open orders: checkout adds the order while the set holds fewer than
        MAX_OPEN_ORDERS; leaving PENDING_PAYMENT takes it out (a no-op if it is not there)."""
        slot: AttrMap = {
            "TableName": self._table,
            "Key": items.open_orders_key(change.order.user_id),
            "ExpressionAttributeNames": {"#open": "open_orders"},
            "ExpressionAttributeValues": {":order": {"SS": [change.order.id]}},
        }
        if change.pending_slot == "release":
            return {"Update": slot | {"UpdateExpression": "DELETE #open :order"}}
        slot["ExpressionAttributeValues"] |= serialise({":max": MAX_OPEN_ORDERS})
        return {
            "Update": slot
            | {
                "UpdateExpression": "ADD #open :order",
                "ConditionExpression": "attribute_not_exists(#open) OR size(#open) < :max",
            }
        }

    def _put(self, item: AttrMap, condition: AttrMap) -> AttrMap:
        return {
            "Put": {"TableName": self._table, "Item": item, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
            | condition
        }


def _unknown_outcome(exc: ClientError) -> bool:
    """A 4xx refused the request (nothing ran); a 5xx may come after the transaction committed."""
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500)) >= 500


def _refusal(reasons: list[dict[str, Any]], tags: list[object]) -> CommitRefused:
    shortages: list[Shortage] = []
    flags = dict.fromkeys(("stale_prices", "order_changed", "foreign_failed", "busy", "too_many_open_orders"), False)
    for reason, tag in zip(reasons, tags, strict=False):
        code = reason.get("Code")
        if code in _BUSY_REASONS:
            flags["busy"] = True
        elif code != "ConditionalCheckFailed":
            continue
        elif isinstance(tag, StockMove):
            shortage = shortage_of(tag, reason.get("Item")) if tag.kind == "reserve" else None
            if shortage is not None:
                shortages.append(shortage)
            elif tag.kind == "reserve":
                flags["stale_prices"] = True
        elif tag == "order":
            flags["order_changed"] = True
        elif tag == "open_orders":
            flags["too_many_open_orders"] = True
        else:
            flags["foreign_failed"] = True
    return CommitRefused(shortages=shortages, **flags)
