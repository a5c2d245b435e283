"""Paging: full pages across partitions, and cursors that are opaque and tamper-proof enough (anything
but a cursor we issued for this query is a 400)."""

import base64
import json

import pytest

from shop.adapters.dynamo_paging import (
    KeyValue,
    PagedQuery,
    Position,
    decode_cursor,
    encode_cursor,
    every_item,
    merged_page,
    query_page,
    scope_of,
)
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
    return PagedQuery(table="t", partitions=list(partitions), scope=SCOPE, index="gsi1")


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


class TwoPartitions:
    """Index partitions of numbered items, answered a few at a time (as DynamoDB stops short),
    oldest first or newest first as asked."""

    def __init__(self, sizes):
        self.rows = {
            f"P{p}": [
                {"pk": {"S": f"ITEM#{p}.{n}"}, "sk": {"S": "X"}, "ipk": {"S": f"P{p}"}, "n": {"N": str(n)}}
                for n in range(size)
            ]
            for p, size in enumerate(sizes)
        }
        self.calls = []

    def query(self, **params):
        self.calls.append(params)
        rows = self.rows[params["ExpressionAttributeValues"][":partition"]["S"]]
        if params.get("ScanIndexForward") is False:
            rows = rows[::-1]
        start = params.get("ExclusiveStartKey")
        if start is not None:
            at = next(i for i, row in enumerate(rows) if row["pk"] == start["pk"])
            rows = rows[at + 1 :]
        items = rows[: min(params["Limit"], 3)]
        if len(rows) > len(items):
            return {"Items": items, "LastEvaluatedKey": {k: items[-1][k] for k in ("pk", "sk", "ipk", "n")}}
        return {"Items": items}


def _read_all(client, spec, limit):
    seen, cursor, sizes = [], None, []
    while True:
        page = query_page(client, spec, limit, cursor)
        sizes.append(len(page.items))
        seen += [(item["ipk"]["S"], int(item["n"]["N"])) for item in page.items]
        if page.next_cursor is None:
            return seen, sizes
        cursor = page.next_cursor


@pytest.mark.parametrize("newest_first", [False, True])
def test_pages_run_across_partitions_in_order_and_are_full(newest_first):
    spec = PagedQuery(
        table="t",
        partitions=["P0", "P1"],
        scope="s",
        index="i",
        partition_attr="ipk",
        sort_attr="n",
        sort_is_number=True,
        newest_first=newest_first,
        item_pk_prefix="ITEM#",
    )
    client = TwoPartitions([7, 5])
    seen, sizes = _read_all(client, spec, 4)
    order = (lambda r: r[::-1]) if newest_first else (lambda r: r)
    assert seen == [("P0", n) for n in order(range(7))] + [("P1", n) for n in order(range(5))]
    assert sizes == [4, 4, 4]
    assert {c.get("ScanIndexForward", True) for c in client.calls} == {not newest_first}


def test_a_cursor_must_name_the_kind_of_item_the_listing_shows():
    spec = PagedQuery(
        table="t",
        partitions=["P0"],
        scope="s",
        index="i",
        partition_attr="ipk",
        sort_attr="n",
        sort_is_number=True,
        item_pk_prefix="ITEM#",
    )
    good: dict[str, KeyValue] = {"pk": "ITEM#0.1", "sk": "X", "ipk": "P0", "n": 1}
    assert query_page(TwoPartitions([3]), spec, 2, encode_cursor(Position(0, good), "s")).items
    forgeries: list[dict[str, KeyValue]] = [{**good, "pk": "USER#1"}, {**good, "n": "1"}, {**good, "sk": 1}]
    for forged in forgeries:
        client = TwoPartitions([3])
        with pytest.raises(ValidationFailed):
            query_page(client, spec, 2, encode_cursor(Position(0, forged), "s"))
        assert client.calls == []


def test_every_item_follows_the_pages_without_changing_the_request():
    client = TwoPartitions([8])
    request = {"ExpressionAttributeValues": {":partition": {"S": "P0"}}, "Limit": 100}
    found = list(every_item(client.query, request))
    assert [int(item["n"]["N"]) for item in found] == list(range(8))
    assert len(client.calls) == 3
    assert "ExclusiveStartKey" not in request


class Timelines:
    """Partitions of items stamped `at` (a string), each answered newest first, a few at a time."""

    def __init__(self, stamps: dict[str, list[str]]):
        self.rows = {
            partition: [
                {
                    "pk": {"S": f"E#{partition}.{at}"},
                    "sk": {"S": "X"},
                    "ipk": {"S": partition},
                    "at": {"S": at},
                }
                for at in sorted(ats, reverse=True)
            ]
            for partition, ats in stamps.items()
        }
        self.calls: list[dict[str, object]] = []

    def query(self, **params):
        self.calls.append(params)
        rows = self.rows[params["ExpressionAttributeValues"][":partition"]["S"]]
        start = params.get("ExclusiveStartKey")
        if start is not None:
            rows = rows[next(i for i, row in enumerate(rows) if row["pk"] == start["pk"]) + 1 :]
        items = rows[: min(params["Limit"], 3)]
        if len(rows) > len(items):
            return {"Items": items, "LastEvaluatedKey": {k: items[-1][k] for k in ("pk", "sk", "ipk", "at")}}
        return {"Items": items}


def _timeline(partition: str) -> PagedQuery:
    return PagedQuery(
        table="t",
        partitions=[partition],
        scope=f"s-{partition}",
        index="i",
        partition_attr="ipk",
        sort_attr="at",
        newest_first=True,
        item_pk_prefix="E#",
    )


MERGED = {"own": _timeline("OWN"), "index": _timeline("IDX")}


@pytest.mark.parametrize("limit", [1, 2, 4, 5, 20])
def test_a_merged_listing_interleaves_its_queries_newest_first_each_item_once(limit):
    client = Timelines(
        {"OWN": ["01", "04", "05", "09", "10", "12"], "IDX": ["02", "03", "06", "07", "08", "11", "13"]}
    )
    seen, sizes, cursor = [], [], None
    for _ in range(20):  # more pages than 13 items can make: a cursor that does not advance fails
        page = merged_page(client, MERGED, "merged", "at", limit, cursor)
        sizes.append(len(page.items))
        seen += [item["at"]["S"] for item in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    else:
        pytest.fail("the listing never ended")
    assert seen == [f"{n:02d}" for n in range(13, 0, -1)]
    assert all(size == limit for size in sizes[:-1]) and 0 < sizes[-1] <= limit


def test_a_merged_listing_ends_when_one_query_is_empty_and_the_other_runs_out():
    client = Timelines({"OWN": [], "IDX": ["1", "2", "3"]})
    first = merged_page(client, MERGED, "merged", "at", 2, None)
    assert [item["at"]["S"] for item in first.items] == ["3", "2"] and first.next_cursor
    last = merged_page(client, MERGED, "merged", "at", 2, first.next_cursor)
    assert [item["at"]["S"] for item in last.items] == ["1"] and last.next_cursor is None


@pytest.mark.parametrize(
    "resume",
    [
        {"own": None},  # a query missing
        {"own": None, "index": None, "other": None},  # a query it does not have
        {"own": 3, "index": None},  # a position of the wrong type
    ],
)
def test_a_forged_merged_cursor_is_refused_before_any_read(resume):
    client = Timelines({"OWN": ["1"], "IDX": ["2"]})
    values = {name: ("" if value is None else value) for name, value in resume.items()}
    with pytest.raises(ValidationFailed):
        merged_page(client, MERGED, "merged", "at", 2, encode_cursor(Position(0, values), "merged"))
    with pytest.raises(ValidationFailed):  # a cursor of another listing
        merged_page(
            client, MERGED, "merged", "at", 2, encode_cursor(Position(0, {"own": "", "index": ""}), "other")
        )
    assert client.calls == []
