"""How orders, their events and payments are stored in OrdersTable.

One partition per order, `ORDER#<id>`:
  ORDER                       the current state (a snapshot of the fold) with `version` = last seq,
                              its shipping address sealed (shop.adapters.orders.order_addresses). Its id
                              and owner are read back from its keys (no copy of them is stored).
                              Indexes, each sorted by `created_at` (newest first when read
                              backwards) and holding keys only, so a listing reads them and then
                              the orders (shop.adapters.orders.orders_dynamo_paging):
                              gsi1 USER#<user> (a user's orders),
                              gsi2 STATUS#<status> (the admin's filter; it also holds
                              `reservation_expires_at`, so the expiry sweep reads PENDING_PAYMENT
                              orders there), gsi4 ORDERS (every order: the admin's unfiltered list).
                              Only a change of status rewrites an index entry (gsi2's); the other
                              keys are written once, when the order is created.
  EVENT#<seq, 8 digits>       the append-only history; the stream publishes these (order_created's
                              address is sealed beside its `data`, never in it).
  PAYMENT#<created_at>#<id>   one item per payment attempt (oldest first by key).
  SHIPMENT                    the shipment (shop.adapters.orders.shipments_dynamo), which admins write
                              and which also carries the order's fulfilment: its status after the
                              last shipping event (`order_status`: SHIPPED, DELIVERED), that event's
                              seq (`order_version`) and time, and gsi2's key for that status with
                              the order's `created_at`. Shipping never writes ORDER (the
                              customer's item): the order is the later of the two (`compose`);
                              the system's stream publisher then takes ORDER out of gsi2's PAID
                              partition (shop.adapters.orders.orders_paid_listing).
And one item per customer, `USER#<user id>` / `OPEN_ORDERS`: the set of their orders in
PENDING_PAYMENT, which checkout's transaction grows (on condition it holds fewer than
MAX_OPEN_ORDERS) and every move out of PENDING_PAYMENT shrinks.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shop.adapters.dynamo_codec import AttrMap, from_item, to_item
from shop.domain.order_event_data import EventData, OrderCreated, event_data_of_plain
from shop.domain.order_lines import PostalAddress, lines_of_plain, lines_plain
from shop.domain.orders import EventActor, Order, OrderEvent
from shop.domain.payments import Payment

ORDER_SK, EVENT_PREFIX, PAYMENT_PREFIX, FULFILMENT_SK = "ORDER", "EVENT#", "PAYMENT#", "SHIPMENT"
ADDRESS = "shipping_address"
INDEX_SORT = "created_at"
USER_INDEX, STATUS_INDEX, ALL_INDEX = "gsi1", "gsi2", "gsi4"
ALL_ORDERS = "ORDERS"


def order_pk(order_id: str) -> str:
    return f"ORDER#{order_id}"


def order_key(order_id: str) -> AttrMap:
    return {"pk": {"S": order_pk(order_id)}, "sk": {"S": ORDER_SK}}


def fulfilment_key(order_id: str) -> AttrMap:
    return {"pk": {"S": order_pk(order_id)}, "sk": {"S": FULFILMENT_SK}}


def user_partition(user_id: str) -> str:
    return f"USER#{user_id}"


def status_partition(status: str) -> str:
    return f"STATUS#{status}"


def open_orders_key(user_id: str) -> AttrMap:
    return {"pk": {"S": f"USER#{user_id}"}, "sk": {"S": "OPEN_ORDERS"}}


def order_item(order: Order) -> AttrMap:
    """The order item without its address: the store seals that (see order_addresses)."""
    values: dict[str, Any] = {
        "pk": order_pk(order.id),
        "sk": ORDER_SK,
        "status": order.status,
        "items": lines_plain(order.items),
        "subtotal_cents": order.subtotal_cents,
        "shipping_cents": order.shipping_cents,
        "total_cents": order.total_cents,
        "currency": order.currency,
        "reservation_expires_at": order.reservation_expires_at,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "version": order.version,
        "gsi1pk": user_partition(order.user_id),
        "gsi2pk": status_partition(order.status),
        "gsi4pk": ALL_ORDERS,
    }
    return to_item(values)


def order_update(order: Order, status_changed: bool) -> AttrMap:
    """An Update of an existing order item to `order`'s state (no key, no condition): only what a
    move can change (status, updated_at, version), and gsi2's key only with a new status, so no
    other index entry is rewritten. The address and the lines never change after creation."""
    values: dict[str, Any] = {
        "status": order.status,
        "updated_at": order.updated_at,
        "version": order.version,
    }
    if status_changed:
        values["gsi2pk"] = status_partition(order.status)
    names = {f"#a{i}": name for i, name in enumerate(values)}
    return {
        "Key": order_key(order.id),
        "UpdateExpression": "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(values))),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": {f":a{i}": value for i, value in enumerate(to_item(values).values())},
    }


def order_from_item(item: AttrMap, shipping_address: PostalAddress | None = None) -> Order:
    """The order of a raw item; `shipping_address` is its opened address (None: not opened here; an
    order from before sealing holds it in clear)."""
    d = from_item(item)
    return Order(
        id=d["pk"].removeprefix("ORDER#"),
        user_id=d["gsi1pk"].removeprefix("USER#"),
        status=d["status"],
        items=lines_of_plain(d["items"]),
        subtotal_cents=d["subtotal_cents"],
        shipping_cents=d["shipping_cents"],
        total_cents=d["total_cents"],
        currency=d["currency"],
        shipping_address=shipping_address if shipping_address is not None else _address_in_clear(d),
        reservation_expires_at=d["reservation_expires_at"],
        created_at=d["created_at"],
        updated_at=d["updated_at"],
        version=d["version"],
    )


def _address_in_clear(d: dict[str, Any]) -> PostalAddress | None:
    """An order item from before sealing holds its address in clear."""
    return PostalAddress.of_plain(d[ADDRESS]) if ADDRESS in d else None


def fulfilment_values(order: Order) -> dict[str, Any]:
    """What the shipment item records of its order after a shipping event (see the layout above)."""
    return {
        "order_status": order.status,
        "order_version": order.version,
        "order_updated_at": order.updated_at,
        "gsi2pk": status_partition(order.status),
        INDEX_SORT: order.created_at,
    }


def compose(order: Order, fulfilment: AttrMap | None) -> Order:
    """The order as its events say: the order item, unless the shipment item recorded later events
    (a shipment from before this layout records none, and its order item says SHIPPED itself)."""
    if fulfilment is None or "order_version" not in fulfilment:
        return order
    d = from_item({k: fulfilment[k] for k in ("order_status", "order_version", "order_updated_at")})
    if d["order_version"] <= order.version:
        return order
    return replace(
        order, status=d["order_status"], version=d["order_version"], updated_at=d["order_updated_at"]
    )


def event_item(event: OrderEvent) -> AttrMap:
    """The event item; its data without the address (the store seals that beside it)."""
    return to_item(
        {
            "pk": order_pk(event.order_id),
            "sk": f"{EVENT_PREFIX}{event.seq:08d}",
            "entity": "order_event",
            "event_id": event.event_id,
            "order_id": event.order_id,
            "seq": event.seq,
            "type": event.type,
            "occurred_at": event.occurred_at,
            "actor": {"id": event.actor.id, "role": event.actor.role},
            "data": _without_address(event.data).plain(),
        }
    )


def _without_address(data: EventData) -> EventData:
    return replace(data, shipping_address=None) if isinstance(data, OrderCreated) else data


def event_from_item(item: AttrMap, shipping_address: PostalAddress | None = None) -> OrderEvent:
    """The event of a raw item, with its opened address put back into its data (if given)."""
    d = from_item(item)
    actor = EventActor(id=d["actor"]["id"], role=d["actor"]["role"])
    data = event_data_of_plain(d["type"], d["data"])
    if shipping_address is not None and isinstance(data, OrderCreated):
        data = replace(data, shipping_address=shipping_address)
    return OrderEvent(d["event_id"], d["order_id"], d["seq"], d["type"], d["occurred_at"], actor, data)


def payment_item(payment: Payment) -> AttrMap:
    return to_item(
        {
            "pk": order_pk(payment.order_id),
            "sk": f"{PAYMENT_PREFIX}{payment.created_at}#{payment.id}",
            "entity": "payment",
            "id": payment.id,
            "order_id": payment.order_id,
            "status": payment.status,
            "amount_cents": payment.amount_cents,
            "currency": payment.currency,
            "card_brand": payment.card_brand,
            "card_last4": payment.card_last4,
            "failure_reason": payment.failure_reason,
            "created_at": payment.created_at,
            "charge_id": payment.charge_id,
            "refunded_at": payment.refunded_at,
        }
    )


def payment_from_item(item: AttrMap) -> Payment:
    d = from_item(item)
    return Payment(
        id=d["id"],
        order_id=d["order_id"],
        status=d["status"],
        amount_cents=d["amount_cents"],
        currency=d["currency"],
        card_brand=d["card_brand"],
        card_last4=d["card_last4"],
        failure_reason=d.get("failure_reason"),
        created_at=d["created_at"],
        charge_id=d.get("charge_id"),
        refunded_at=d.get("refunded_at"),
    )
