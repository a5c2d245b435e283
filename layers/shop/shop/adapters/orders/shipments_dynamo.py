"""Shipments in OrdersTable, as elements of the order's commit.

  ORDER#<order_id> / SHIPMENT    the shipment with its tracking history (next to its order), and
                                 the order's fulfilment (orders_dynamo_items.fulfilment_values):
                                 the admin's writes stay here, off the customer's order item
  SHIPMENT#<id> / SHIPMENT       {order_id}: finds the order for POST /admin/shipments/{id}/tracking
  TRACKING#<number> / TRACKING   {shipment_id, order_id}: claims the tracking number, so no two
                                 shipments share one (attribute_not_exists, like the lookup)

Nothing here commits: the order store runs these elements in its transaction with the order's new
state and events, and reports a failed condition on any of them as CommitRefused.foreign_failed.
"""

from __future__ import annotations

from typing import Any

from shop.adapters.dynamo_codec import AttrMap, from_item, to_item
from shop.adapters.orders.orders_dynamo_items import FULFILMENT_SK, fulfilment_key, fulfilment_values
from shop.domain.orders import Order
from shop.domain.shipments import Shipment, TrackingEvent

SHIPMENT_SK, LOOKUP_PREFIX, TRACKING_PREFIX = FULFILMENT_SK, "SHIPMENT#", "TRACKING#"
_NEW = "attribute_not_exists(pk)"


def lookup_key(shipment_id: str) -> AttrMap:
    return {"pk": {"S": f"{LOOKUP_PREFIX}{shipment_id}"}, "sk": {"S": SHIPMENT_SK}}


def shipment_item(s: Shipment, order: Order) -> AttrMap:
    """The shipment, and `order` (its state after this shipping event) as its fulfilment. `created_at`
    is the order's (gsi2's sort key, as on the order item); the shipment's own is `shipment_created_at`."""
    events = [
        {"status": e.status, "location": e.location, "note": e.note, "occurred_at": e.occurred_at}
        for e in s.events
    ]
    values = {
        "entity": "shipment",
        "id": s.id,
        "order_id": s.order_id,
        "carrier": s.carrier,
        "tracking_number": s.tracking_number,
        "status": s.status,
        "events": events,
        "shipment_created_at": s.created_at,
        "updated_at": s.updated_at,
    }
    return fulfilment_key(s.order_id) | to_item(values | fulfilment_values(order))


def shipment_from_item(item: AttrMap) -> Shipment:
    d = from_item(item)
    events = tuple(
        TrackingEvent(e["status"], e.get("location"), e.get("note"), e["occurred_at"]) for e in d["events"]
    )
    return Shipment(
        id=d["id"],
        order_id=d["order_id"],
        carrier=d["carrier"],
        tracking_number=d["tracking_number"],
        status=d["status"],
        events=events,
        created_at=d.get("shipment_created_at", d["created_at"]),
        updated_at=d["updated_at"],
    )


class DynamoShipmentStore:
    def __init__(self, client: Any, table: str) -> None:
        self._client, self._table = client, table

    def shipment(self, shipment_id: str) -> Shipment | None:
        lookup = self._get(lookup_key(shipment_id))
        if lookup is None:
            return None
        found = self.shipment_of_order(lookup["order_id"]["S"])
        return found if found is not None and found.id == shipment_id else None

    def shipment_of_order(self, order_id: str) -> Shipment | None:
        item = self._get(fulfilment_key(order_id))
        return shipment_from_item(item) if item is not None else None

    def creation_elements(self, shipment: Shipment, order: Order) -> list[AttrMap]:
        lookup = lookup_key(shipment.id) | to_item(
            {"entity": "shipment_lookup", "order_id": shipment.order_id}
        )
        claim = to_item(
            {
                "pk": f"{TRACKING_PREFIX}{shipment.tracking_number}",
                "sk": "TRACKING",
                "entity": "tracking_number",
                "shipment_id": shipment.id,
                "order_id": shipment.order_id,
            }
        )
        item = shipment_item(shipment, order)
        return [self._put(item, _NEW), self._put(lookup, _NEW), self._put(claim, _NEW)]

    def update_element(self, before: Shipment, after: Shipment, order: Order) -> AttrMap:
        unchanged = "#status = :status AND size(events) = :count"
        values = to_item({":status": before.status, ":count": len(before.events)})
        return self._put(shipment_item(after, order), unchanged, values, {"#status": "status"})

    def _get(self, key: AttrMap) -> AttrMap | None:
        got = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        item: AttrMap | None = got.get("Item")
        return item

    def _put(
        self,
        item: AttrMap,
        condition: str,
        values: AttrMap | None = None,
        names: dict[str, str] | None = None,
    ) -> AttrMap:
        put: AttrMap = {"TableName": self._table, "Item": item, "ConditionExpression": condition}
        if values:
            put["ExpressionAttributeValues"] = values
        if names:
            put["ExpressionAttributeNames"] = names
        return {"Put": put}
