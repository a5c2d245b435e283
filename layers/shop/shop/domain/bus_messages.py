"""The order-events bus message: what the publisher sends and every consumer parses.

One versioned shape, built from the committed `order_event` item alone, so that consumers need no
read of their own (the event's `data` is self-contained) and dedup on `id` (the event id).
Personal data stays off the bus: the shipping address is never in a message, even if an event
item held it in clear; a consumer that needs it reads the order from the order store.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ORDER_EVENT_ENTITY = "order_event"
ORDER_EVENT_TYPES = frozenset(
    {
        "order_created",
        "payment_failed",
        "payment_succeeded",
        "order_cancelled",
        "payment_refunded",
        "shipment_created",
        "shipment_updated",
        "order_delivered",
    }
)
PRIVATE_DATA_FIELDS = frozenset({"shipping_address"})


class BusMessage(BaseModel):
    """`{id, type, version: 1, occurred_at, order_id, seq, data}`; `type` is also a message attribute.

    Unknown fields are ignored (a producer may add some within version 1); another version is
    refused, so a consumer never silently misreads a shape it was not written for.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1)
    type: str = Field(min_length=1)
    version: Literal[1] = 1
    occurred_at: str = Field(min_length=1)
    order_id: str = Field(min_length=1)
    seq: int = Field(ge=1)
    data: dict[str, Any] = Field(default_factory=dict)


class NotAnOrderEvent(ValueError):
    """The item is an order_event but lacks what a bus message needs: a bug upstream, never skipped."""


def is_order_event(item: Mapping[str, Any]) -> bool:
    return item.get("entity") == ORDER_EVENT_ENTITY


def bus_message_from_order_event(item: Mapping[str, Any]) -> BusMessage:
    """The message for one committed order_event item (attribute values already deserialized)."""
    missing = [name for name in ("event_id", "type", "occurred_at", "order_id", "seq") if name not in item]
    if missing:
        raise NotAnOrderEvent(f"order_event item lacks {', '.join(missing)}")
    try:
        return BusMessage(
            id=str(item["event_id"]),
            type=str(item["type"]),
            occurred_at=str(item["occurred_at"]),
            order_id=str(item["order_id"]),
            seq=int(item["seq"]),
            data=plain(
                {k: v for k, v in dict(item.get("data") or {}).items() if k not in PRIVATE_DATA_FIELDS}
            ),
        )
    except (ValueError, TypeError) as exc:
        raise NotAnOrderEvent(f"order_event item is malformed: {exc}") from exc


def plain(value: Any) -> Any:
    """DynamoDB's Decimals and sets made JSON-ready.

    Whole numbers become ints (money is minor units). A fraction is kept exact as a string rather
    than turned into a float: no float may ever come near money.
    """
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, Mapping):
        return {str(key): plain(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [plain(inner) for inner in value]
    if isinstance(value, set | frozenset):
        return sorted((plain(inner) for inner in value), key=str)
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    return value
