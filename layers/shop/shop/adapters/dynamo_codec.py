"""Plain Python values <-> DynamoDB attribute values, the one codec every adapter uses.

The number rule: the shop stores whole numbers only (money is integer minor units; counts, versions,
sequence numbers and epoch seconds are integers), so every number reads back as an `int`, nested
or not, in a set or not. Writing a float, or a Decimal with a fraction, is a TypeError; reading a
stored fraction is a StoredFraction error rather than a silently rounded int.

The other rules: strings, booleans and None (NULL) as themselves; binary as `bytes`; maps as dicts
(string keys); lists and tuples as lists; non-empty sets of strings, whole numbers or bytes as sets
(DynamoDB has no empty set: leave the attribute out instead). `to_item` leaves out None values, so
an optional field is an absent attribute. Standard library only: it is imported at every cold start.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

AttrMap = dict[str, Any]


class StoredFraction(ValueError):
    """A stored number is not whole: the shop never writes one, so the item was written elsewhere."""


def _number(value: int | Decimal) -> str:
    if isinstance(value, Decimal) and value != value.to_integral_value():
        raise TypeError(f"the shop stores whole numbers only, not {value}")
    return str(int(value))


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        exact = Decimal(text)
    except InvalidOperation as exc:
        raise StoredFraction(f"{text!r} is not a number") from exc
    if not exact.is_finite() or exact != exact.to_integral_value():
        raise StoredFraction(f"{text} is not a whole number")
    return int(exact)


def _set_value(members: set[Any] | frozenset[Any]) -> AttrMap:
    if not members:
        raise ValueError("DynamoDB stores no empty set; leave the attribute out")
    if all(isinstance(m, str) for m in members):
        return {"SS": sorted(members)}
    if all(isinstance(m, int | Decimal) and not isinstance(m, bool) for m in members):
        return {"NS": sorted(_number(m) for m in members)}
    if all(isinstance(m, bytes | bytearray) for m in members):
        return {"BS": sorted(bytes(m) for m in members)}
    raise TypeError("a set holds strings, whole numbers or bytes, one kind only")


def to_value(value: Any) -> AttrMap:
    """One attribute value (`{"S": ...}`, `{"N": ...}`, ...) of a plain value."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int | Decimal):
        return {"N": _number(value)}
    if isinstance(value, bytes | bytearray):
        return {"B": bytes(value)}
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("map keys must be strings")
        return {"M": {key: to_value(inner) for key, inner in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_value(inner) for inner in value]}
    if isinstance(value, set | frozenset):
        return _set_value(value)
    raise TypeError(f"no DynamoDB type for {type(value).__name__}")


def from_value(attr: Mapping[str, Any]) -> Any:
    """The plain value of one attribute value; numbers as ints (see the number rule above)."""
    if len(attr) != 1:
        raise ValueError(f"an attribute value has exactly one type, not {sorted(attr)}")
    ((kind, raw),) = attr.items()
    if kind == "S" or kind == "BOOL":
        return raw
    if kind == "N":
        return _whole(raw)
    if kind == "M":
        return {key: from_value(inner) for key, inner in raw.items()}
    if kind == "L":
        return [from_value(inner) for inner in raw]
    if kind == "NULL":
        return None
    if kind == "B":
        return bytes(raw)
    if kind == "SS":
        return set(raw)
    if kind == "NS":
        return {_whole(n) for n in raw}
    if kind == "BS":
        return {bytes(b) for b in raw}
    raise ValueError(f"unknown DynamoDB type {kind}")


def to_item(values: Mapping[str, Any]) -> AttrMap:
    """An item (or a key, or ExpressionAttributeValues) of a plain mapping, leaving out None."""
    return {name: to_value(value) for name, value in values.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """The plain mapping of an item as DynamoDB returns it."""
    return {name: from_value(attr) for name, attr in item.items()}


def expression_values(**named: Any) -> AttrMap:
    """ExpressionAttributeValues from keyword arguments (`:name` placeholders); None is NULL here."""
    return {f":{name}": to_value(value) for name, value in named.items()}
