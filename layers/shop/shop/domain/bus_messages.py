"""The order-events bus message: what the publisher sends and every consumer parses.

One versioned shape, built from the committed `order_event` item alone, so that consumers need no
read of their own (the event's `data` is self-contained) and dedup on `id` (the event id).
Personal data stays off the bus: the shipping address is never in a message, even if an event
item held it in clear; a consumer that needs it reads the order from the order store.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

from shop.domain.order_event_data import EVENT_KINDS, EventData, event_data_of_plain

ORDER_EVENT_ENTITY = "order_event"
ORDER_EVENT_TYPES = EVENT_KINDS
PRIVATE_DATA_FIELDS = frozenset({"shipping_address"})
_TEXT_FIELDS = ("id", "type", "occurred_at", "order_id")


class InvalidBusMessage(ValueError):
    """A body that is not a version-1 bus message: a poison message for the consumer."""


@dataclass(frozen=True, kw_only=True)
class BusMessage:
    """`{id, type, version: 1, occurred_at, order_id, seq, data}`; `type` is also a message attribute.

    Unknown fields are ignored (a producer may add some within version 1); another version is
    refused, so a consumer never silently misreads a shape it was not written for. A dataclass, not
    a pydantic model: the consumers and the publisher are not API functions and load no pydantic.
    """

    id: str
    type: str
    version: Literal[1] = 1
    occurred_at: str
    order_id: str
    seq: int
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise InvalidBusMessage(f"{name} must be a non-empty string")
        if isinstance(self.seq, bool) or not isinstance(self.seq, int) or self.seq < 1:
            raise InvalidBusMessage("seq must be a whole number of at least 1")
        if isinstance(self.version, bool) or self.version != 1:
            raise InvalidBusMessage(f"version {self.version!r} is not 1")
        if not isinstance(self.data, dict):
            raise InvalidBusMessage("data must be an object")

    @classmethod
    def parse(cls, payload: Any) -> BusMessage:
        """The message in a decoded JSON document; what is not a version-1 message raises InvalidBusMessage."""
        if not isinstance(payload, Mapping):
            raise InvalidBusMessage("a bus message is a JSON object")
        missing = [name for name in (*_TEXT_FIELDS, "seq") if name not in payload]
        if missing:
            raise InvalidBusMessage(f"the message lacks {', '.join(missing)}")
        return cls(
            id=payload["id"],
            type=payload["type"],
            version=payload.get("version", 1),
            occurred_at=payload["occurred_at"],
            order_id=payload["order_id"],
            seq=_whole_number(payload["seq"]),
            data=dict(payload["data"])
            if isinstance(payload.get("data"), Mapping)
            else payload.get("data", {}),
        )

    @classmethod
    def from_json(cls, body: str | bytes) -> BusMessage:
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise InvalidBusMessage("the body is not JSON") from exc
        return cls.parse(payload)

    @cached_property
    def event_data(self) -> EventData:
        """The typed data of the event, read once per message however many steps of a consumer ask;
        MalformedOrderData (a ValueError: poison) if it is not one."""
        return event_data_of_plain(self.type, self.data)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        """Compact JSON, fields in the documented order, as the bus carries it."""
        return json.dumps(self.as_dict(), separators=(",", ":"), ensure_ascii=False)


def _whole_number(value: Any) -> Any:
    """A sequence number as JSON may carry it (3, 3.0 or "3"); anything else is left for the check."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


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
