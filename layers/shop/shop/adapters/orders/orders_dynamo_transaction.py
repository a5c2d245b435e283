"""One order change as ONE TransactWriteItems, and what a refusal of each of its elements means.

Elements: the order (a new one put whole with its address sealed; an existing one updated on
condition of its version, its sealed address left alone; for shipping's events only checked, and
a paid order's cancellation checks that it has no shipment), its new events (each on a free seq),
stock moves on CatalogTable, new payments, refund steps (each on the payment's step before), the
owner's open-orders set when the order enters or leaves PENDING_PAYMENT, and foreign elements.
DynamoDB names the element whose condition failed by position, so each element gets a tag.
"""

from __future__ import annotations

from typing import Any

from shop.adapters.catalog.stock_dynamo import shortage_of, stock_move_element
from shop.adapters.dynamo_codec import AttrMap, to_item
from shop.adapters.orders import orders_dynamo_items as items
from shop.adapters.orders.order_addresses import SealedAddresses
from shop.domain.order_event_data import OrderCancelled, OrderCreated
from shop.domain.order_lines import PostalAddress
from shop.domain.orders import MAX_OPEN_ORDERS, OrderEvent, moves_status
from shop.domain.payments import REFUND_STEPS
from shop.services.order_ports import CommitRefused, OrderChange, Shortage, StockMove

_BUSY_REASONS = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}


class OrderTransaction:
    def __init__(self, orders_table: str, catalog_table: str, addresses: SealedAddresses | None) -> None:
        self._orders, self._catalog, self._addresses = orders_table, catalog_table, addresses

    def elements(self, change: OrderChange) -> tuple[list[AttrMap], list[object]]:
        """The transaction, and for each element what a failed condition on it means."""
        elements: list[AttrMap] = [self._order_element(change)]
        tags: list[object] = ["order"]
        if _cancels_paid(change):
            elements.append(self._not_shipped(change))
            tags.append("order")
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
                "ExpressionAttributeValues": to_item({":before": REFUND_STEPS[refund.status]}),
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
        """A new order is put whole with its sealed address; an existing one is updated in place, or
        for shipping's events (kept in the shipment item) checked to be paid and left alone."""
        if change.fulfilment:
            shipped = "#status IN (:paid, :shipped)"  # SHIPPED: an order item shipped before the split
            return {
                "ConditionCheck": {
                    "TableName": self._orders,
                    "Key": items.order_key(change.order.id),
                    "ConditionExpression": shipped,
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": to_item({":paid": "PAID", ":shipped": "SHIPPED"}),
                }
            }
        if change.base_version == 0:
            item = items.order_item(change.order)
            item |= self._seal(item, change.order.shipping_address)
            return self._put(item, {"ConditionExpression": "attribute_not_exists(pk)"})
        update = items.order_update(change.order, any(moves_status(e.type) for e in change.events))
        update["ConditionExpression"] = "#version = :base"
        update["ExpressionAttributeNames"]["#version"] = "version"
        update["ExpressionAttributeValues"] |= to_item({":base": change.base_version})
        return {
            "Update": {"TableName": self._orders, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"} | update
        }

    def _not_shipped(self, change: OrderChange) -> AttrMap:
        """A paid order is cancelled only while no admin has shipped it (its shipment is absent)."""
        check = {
            "Key": items.fulfilment_key(change.order.id),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        return {"ConditionCheck": {"TableName": self._orders} | check}

    def _event_item(self, event: OrderEvent) -> AttrMap:
        item = items.event_item(event)
        if isinstance(event.data, OrderCreated) and event.data.shipping_address is not None:
            item |= self._seal(item, event.data.shipping_address)
        return item

    def _seal(self, item: AttrMap, address: PostalAddress | None) -> AttrMap:
        if address is None:
            raise ValueError("a new order needs its shipping address")
        if self._addresses is None:
            raise RuntimeError("this order store cannot seal a shipping address (no key for order data)")
        return self._addresses.seal(item, address)

    def _pending_slot(self, change: OrderChange) -> AttrMap:
        """The owner's set of open orders: checkout adds the order while the set holds fewer than
        MAX_OPEN_ORDERS; leaving PENDING_PAYMENT takes it out (a no-op if it is not there)."""
        slot: AttrMap = {
            "TableName": self._orders,
            "Key": items.open_orders_key(change.order.user_id),
            "ExpressionAttributeNames": {"#open": "open_orders"},
            "ExpressionAttributeValues": {":order": {"SS": [change.order.id]}},
        }
        if change.pending_slot == "release":
            return {"Update": slot | {"UpdateExpression": "DELETE #open :order"}}
        slot["ExpressionAttributeValues"] |= to_item({":max": MAX_OPEN_ORDERS})
        return {
            "Update": slot
            | {
                "UpdateExpression": "ADD #open :order",
                "ConditionExpression": "attribute_not_exists(#open) OR size(#open) < :max",
            }
        }

    def _put(self, item: AttrMap, condition: AttrMap) -> AttrMap:
        return {
            "Put": {"TableName": self._orders, "Item": item, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
            | condition
        }


def _cancels_paid(change: OrderChange) -> bool:
    return any(isinstance(e.data, OrderCancelled) and e.data.previous_status == "PAID" for e in change.events)


def refusal(reasons: list[dict[str, Any]], tags: list[object]) -> CommitRefused:
    shortages: list[Shortage] = []
    flags = dict.fromkeys(
        ("stale_prices", "order_changed", "foreign_failed", "busy", "too_many_open_orders"), False
    )
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
