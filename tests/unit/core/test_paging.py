"""Cursors are opaque and tamper-proof enough: anything but a cursor we issued for this query is a 400."""

import base64
import json

import pytest

from shop.adapters.catalog_dynamo_paging import QuerySpec, query_page
from shop.domain.paging import KeyValue, Position, decode_cursor, encode_cursor, scope_of
from shop.errors import ValidationFailed

SCOPE = scope_of("products", "gsi1", ["PRODUCTS#ACTIVE"], None)
KEY: dict[str, KeyValue] = {
    "pk": "PRODUCT#1",
    "sk": "PRODUCT",
    "gsi1pk": "PRODUCTS#ACTIVE",
    "gsi1sk": "mug#1",
}


def _b64(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def test_a_cursor_round_trips_and_is_url_safe():
    cursor = encode_cursor(Position(0, KEY), SCOPE)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(cursor, SCOPE) == Position(0, KEY)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "not base64 !!!",
        "%%%",
        "a",
        _b64("just a string"),
        _b64([1, 2]),
        _b64({"v": 1, "s": SCOPE, "p": 0}),
        _b64({"v": 2, "s": SCOPE, "p": 0, "k": KEY}),
        _b64({"v": 1, "s": SCOPE, "p": True, "k": KEY}),
        _b64({"v": 1, "s": SCOPE, "p": -1, "k": KEY}),
        _b64({"v": 1, "s": SCOPE, "p": 0, "k": {}}),
        _b64({"v": 1, "s": SCOPE, "p": 0, "k": {"pk": None}}),
        _b64({"v": 1, "s": SCOPE, "p": 0, "k": {"pk": 1.5}}),
        _b64({"v": 1, "s": SCOPE, "p": 0, "k": {"pk": "x" * 5000}}),
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
        "A" * 3000,
    ],
)
def test_garbage_cursors_are_validation_errors(garbage):
    with pytest.raises(ValidationFailed) as raised:
        decode_cursor(garbage, SCOPE)
    assert raised.value.details == [{"field": "query.cursor", "message": raised.value.details[0]["message"]}]


def test_a_cursor_of_another_query_is_refused():
    other = encode_cursor(Position(0, KEY), scope_of("products", "gsi1", ["PRODUCTS#DRAFT"], None))
    with pytest.raises(ValidationFailed):
        decode_cursor(other, SCOPE)


class RecordingClient:
    """A DynamoDB client that answers one fixed page and remembers what it was asked."""

    def __init__(self, items):
        self.items, self.calls = items, []

    def query(self, **params):
        self.calls.append(params)
        start = params.get("ExclusiveStartKey")
        rows = [i for i in self.items if start is None or i["gsi1sk"]["S"] > start["gsi1sk"]["S"]]
        return {"Items": rows[: params["Limit"]]}


def _spec(partitions=("PRODUCTS#ACTIVE",)):
    return QuerySpec(
        table="t",
        index="gsi1",
        hash_attr="gsi1pk",
        range_attr="gsi1sk",
        partitions=list(partitions),
        scope=SCOPE,
    )


def _item(n):
    return {
        "pk": {"S": f"PRODUCT#{n}"},
        "sk": {"S": "PRODUCT"},
        "gsi1pk": {"S": "PRODUCTS#ACTIVE"},
        "gsi1sk": {"S": f"p{n:03d}#{n}"},
    }


@pytest.mark.parametrize(
    "key",
    [
        {**KEY, "gsi1pk": "PRODUCTS#DRAFT"},  # a partition the viewer may not read
        {k: v for k, v in KEY.items() if k != "sk"},
        {**KEY, "extra": "x"},
        {**KEY, "gsi1sk": 5},
    ],
)
def test_a_forged_key_never_reaches_the_database(key):
    client = RecordingClient([])
    with pytest.raises(ValidationFailed):
        query_page(client, _spec(), 20, encode_cursor(Position(0, key), SCOPE))
    with pytest.raises(ValidationFailed):
        query_page(client, _spec(), 20, encode_cursor(Position(1, KEY), SCOPE))
    assert client.calls == []


def test_pages_are_full_and_the_last_has_no_cursor():
    client = RecordingClient([_item(n) for n in range(45)])
    seen, cursor, sizes = [], None, []
    while True:
        page = query_page(client, _spec(), 20, cursor)
        sizes.append(len(page.items))
        seen += [item["pk"]["S"] for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sizes == [20, 20, 5]
    assert len(seen) == len(set(seen)) == 45
