"""The one DynamoDB codec: what the shop writes reads back the same, numbers always as ints, and no
other module of the shop converts attribute values its own way."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer

import shop
from shop.adapters.dynamo_codec import (
    StoredFraction,
    expression_values,
    from_item,
    from_value,
    to_item,
    to_value,
)

PACKAGE = Path(shop.__file__).parent
FUNCTIONS = PACKAGE.parents[2] / "functions"

ORDER_LIKE: dict[str, Any] = {
    "pk": "ORDER#o_1",
    "total_cents": 123456789012345678901234567890,
    "refund_cents": -250,
    "zero": 0,
    "paid": True,
    "note": "",
    "nothing_yet": None,
    "sealed": b"\x00\xffkey",
    "items": [{"product_id": "p_1", "quantity": 2, "unit_price_cents": 1999, "tags": ["a", "b"]}],
    "actor": {"id": "u_1", "role": "customer", "nested": {"deeper": [1, [2, {"n": 3}]]}},
    "open_orders": {"o_1", "o_2"},
    "shards": {0, 3, 7},
    "keys": {b"a", b"b"},
}


def test_an_item_round_trips_with_nested_maps_lists_and_sets() -> None:
    stored = to_item(ORDER_LIKE)
    assert "nothing_yet" not in stored  # None is an absent attribute
    assert from_item(stored) == {k: v for k, v in ORDER_LIKE.items() if v is not None}


def test_every_number_reads_back_as_an_int_wherever_it_sits() -> None:
    item = from_item(to_item(ORDER_LIKE))
    numbers = [
        item["total_cents"],
        item["items"][0]["quantity"],
        item["actor"]["nested"]["deeper"][1][1]["n"],
    ]
    numbers += list(item["shards"])
    assert numbers and all(type(n) is int for n in numbers)
    assert type(item["paid"]) is bool


@pytest.mark.parametrize(("stored", "plain"), [("100", 100), ("1E+2", 100), ("-0", 0), ("7.000", 7)])
def test_stored_whole_numbers_in_any_notation_are_ints(stored: str, plain: int) -> None:
    assert from_value({"N": stored}) == plain
    assert type(from_value({"N": stored})) is int


@pytest.mark.parametrize(
    "stored", [{"N": "1.5"}, {"N": "0.01"}, {"NS": ["1", "2.5"]}, {"M": {"x": {"N": "3.25"}}}]
)
def test_a_stored_fraction_is_an_error_not_a_rounded_int(stored: dict[str, Any]) -> None:
    with pytest.raises(StoredFraction):
        from_value(stored)


@pytest.mark.parametrize("value", [1.5, 2.0, Decimal("0.5"), [1, 2.5], {"price": 19.99}])
def test_floats_and_fractions_are_never_written(value: object) -> None:
    with pytest.raises(TypeError):
        to_value(value)


def test_a_whole_decimal_is_written_as_its_integer() -> None:
    assert to_value(Decimal("42")) == {"N": "42"}
    assert to_value(Decimal("4.2E+1")) == {"N": "42"}


@pytest.mark.parametrize("value", [set(), frozenset()])
def test_an_empty_set_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="empty set"):
        to_value(value)


@pytest.mark.parametrize("value", [{"a", 1}, {1: "x"}, object(), {"k": 1.5}])
def test_what_dynamodb_cannot_hold_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError):
        to_value(value)


@pytest.mark.parametrize("attr", [{"X": "?"}, {"S": "a", "N": "1"}, {}])
def test_an_unknown_attribute_value_is_refused(attr: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        from_value(attr)


def test_expression_values_name_their_placeholders_and_keep_null() -> None:
    assert expression_values(v=3, q="mug", gone=None) == {
        ":v": {"N": "3"},
        ":q": {"S": "mug"},
        ":gone": {"NULL": True},
    }


def _sorted_sets(attr: Any) -> Any:
    if isinstance(attr, dict):
        return {k: sorted(v) if k in ("SS", "NS", "BS") else _sorted_sets(v) for k, v in attr.items()}
    if isinstance(attr, list):
        return [_sorted_sets(v) for v in attr]
    return attr


def test_the_wire_format_is_what_boto3_wrote_before() -> None:
    """Items written before the codec and after it are the same bytes on the wire (sets aside from
    their order, which DynamoDB does not keep)."""
    boto = TypeSerializer()
    for name, value in ORDER_LIKE.items():
        if value is None:
            continue
        theirs = boto.serialize(value)
        if "B" in theirs:
            theirs = {"B": bytes(theirs["B"])}
        if "BS" in theirs:
            theirs = {"BS": [bytes(b) for b in theirs["BS"]]}
        assert _sorted_sets(to_value(value)) == _sorted_sets(theirs), name


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py")) + sorted(FUNCTIONS.rglob("*.py"))


def _names_used(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    names |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def test_no_module_but_the_codec_converts_attribute_values_itself() -> None:
    assert _modules(), "no source found"
    own = {"TypeSerializer", "TypeDeserializer", "boto3.dynamodb.types", "boto3.dynamodb.conditions"}
    wrong = sorted(
        f"{path.relative_to(PACKAGE.parents[2])} uses {', '.join(sorted(_names_used(path) & own))}"
        for path in _modules()
        if _names_used(path) & own or any(name.startswith("boto3.dynamodb.") for name in _names_used(path))
    )
    assert not wrong, wrong


def test_no_module_but_the_paging_helper_follows_last_evaluated_key() -> None:
    helper = PACKAGE / "adapters" / "dynamo_paging.py"
    assert "LastEvaluatedKey" in helper.read_text()
    wrong = sorted(
        str(path.relative_to(PACKAGE.parents[2]))
        for path in _modules()
        if path != helper
        and ("LastEvaluatedKey" in path.read_text() or "ExclusiveStartKey" in path.read_text())
    )
    assert not wrong, wrong
