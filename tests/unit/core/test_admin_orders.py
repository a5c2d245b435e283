"""GET /admin/orders without a network: keys-only index pages, then the orders (each with its shipment
item, which holds the status of a shipped order) in one BatchGetItem.

`FakeOrdersTable` answers Query like DynamoDB does on a keys-only index (one partition, sorted by
created_at, Limit, ExclusiveStartKey, a LastEvaluatedKey whenever Limit stopped it, even with
nothing left) and BatchGetItem in no particular order, leaving keys unprocessed when told to.
"""

from dataclasses import replace
from typing import Any

import pytest

from shop.adapters.dynamo_codec import to_item
from shop.adapters.orders.admin_orders_dynamo import DynamoAllOrders
from shop.adapters.orders.orders_dynamo_items import fulfilment_values, order_item
from shop.bootstrap import build_admin_order_queries
from shop.domain.orders import Order
from shop.domain.paging import Page
from shop.errors import ValidationFailed
from tests.fakes import RecordingAllOrders


def order(oid: str, created_at: str, status: str) -> Order:
    return Order(oid, "u1", status, (), 100, 0, 100, "EUR", None, created_at, created_at, created_at, 1)  # type: ignore[arg-type]


class FakeOrdersTable:
    def __init__(self, orders: list[Order], unprocessed_rounds: int = 0) -> None:
        self.items = [order_item(o) for o in orders]
        self.unprocessed_rounds = unprocessed_rounds
        self.calls: list[str] = []

    def query(self, **q: Any) -> dict[str, Any]:
        index, partition = q["IndexName"], q["ExpressionAttributeValues"][":partition"]["S"]
        assert q["ScanIndexForward"] is False and q["KeyConditionExpression"] == f"{index}pk = :partition"
        self.calls.append(f"Query {partition}")
        rows = sorted(
            (i for i in self.items if i.get(f"{index}pk", {}).get("S") == partition),
            key=lambda i: (i["created_at"]["S"], i["pk"]["S"]),
            reverse=True,
        )
        if "ExclusiveStartKey" in q:
            start = q["ExclusiveStartKey"]
            after = (start["created_at"]["S"], start["pk"]["S"])
            rows = [r for r in rows if (r["created_at"]["S"], r["pk"]["S"]) < after]
        keys = ("pk", "sk", f"{index}pk", "created_at")
        got = [{a: r[a] for a in keys} for r in rows[: q["Limit"]]]  # keys only
        answer: dict[str, Any] = {"Items": got}
        if len(got) == q["Limit"]:
            answer["LastEvaluatedKey"] = got[-1]
        return answer

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803 - boto3's name
        ((table, request),) = RequestItems.items()
        self.calls.append(f"BatchGetItem {len(request['Keys'])}")
        wanted = [(k["pk"]["S"], k["sk"]["S"]) for k in request["Keys"]]
        assert len(wanted) == len(set(wanted)) <= 100
        found = [i for i in self.items if (i["pk"]["S"], i["sk"]["S"]) in wanted][::-1]
        if self.unprocessed_rounds and len(found) > 1:
            self.unprocessed_rounds -= 1
            left = {"pk": found[0]["pk"], "sk": found[0]["sk"]}
            return {"Responses": {table: found[1:]}, "UnprocessedKeys": {table: {"Keys": [left]}}}
        return {"Responses": {table: found}, "UnprocessedKeys": {}}


ORDERS = [
    order("a", "2029-10-03T10:00:00.000Z", "SHIPPED"),
    order("b", "2029-10-20T10:00:00.000Z", "PAID"),
    order("c", "2029-12-01T00:00:00.000Z", "SHIPPED"),
    order("d", "2029-12-31T23:59:59.999Z", "PAID"),
    order("e", "2030-02-01T00:00:00.000Z", "SHIPPED"),
    order("f", "2030-02-14T12:00:00.000Z", "PAID"),
    order("g", "2030-02-14T12:00:00.000Z", "SHIPPED"),  # the same millisecond as f
]
NEWEST_FIRST = ["g", "f", "e", "d", "c", "b", "a"]


def walk(table: FakeOrdersTable, limit: int, status: str | None = None) -> list[list[str]]:
    pages, cursor = [], None
    listing = DynamoAllOrders(table, "Orders")
    while True:
        page = listing.newest_orders(status, limit, cursor)
        pages.append([o.id for o in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


@pytest.mark.parametrize("limit", [1, 2, 3, 6, 7, 8, 100])
def test_every_order_once_newest_first_in_pages_of_one_query_and_one_batch_read(limit):
    table = FakeOrdersTable(ORDERS)
    pages = walk(table, limit)
    assert [oid for page in pages for oid in page] == NEWEST_FIRST
    assert all(len(page) == limit for page in pages[:-1]) and 0 < len(pages[-1]) <= limit
    assert table.calls[:2] == ["Query ORDERS", f"BatchGetItem {2 * min(limit, len(ORDERS))}"]
    assert len(table.calls) == 2 * len(pages)
    assert DynamoAllOrders(FakeOrdersTable([]), "Orders").newest_orders(None, 5, None).items == []


def test_keys_left_unprocessed_are_read_again():
    table = FakeOrdersTable(ORDERS, unprocessed_rounds=1)
    assert walk(table, 100) == [NEWEST_FIRST]
    assert table.calls == ["Query ORDERS", "BatchGetItem 14", "BatchGetItem 1"]


def test_the_status_filter_pages_one_status_partition():
    table = FakeOrdersTable(ORDERS)
    assert walk(table, 2, "PAID") == [["f", "d"], ["b"]]
    assert {c for c in table.calls if c.startswith("Query")} == {"Query STATUS#PAID"}


def test_an_order_that_just_left_the_status_is_not_listed_under_it():
    table = FakeOrdersTable(ORDERS)
    table.items[5]["status"] = {"S": "SHIPPED"}  # f was shipped; its gsi2 entry has not moved yet
    assert walk(table, 10, "PAID") == [["d", "b"]]


def test_a_shipped_order_is_listed_with_the_status_its_shipment_item_records():
    table = FakeOrdersTable(ORDERS)
    shipped = replace(ORDERS[5], status="SHIPPED", version=3, updated_at="2030-03-01T00:00:00.000Z")
    shipment = {"pk": {"S": "ORDER#f"}, "sk": {"S": "SHIPMENT"}} | to_item(fulfilment_values(shipped))
    table.items.append(shipment)  # f's order item still says PAID: the admin wrote only the shipment
    assert walk(table, 10, "PAID") == [["d", "b"]]
    assert walk(table, 2, "SHIPPED") == [["g", "f"], ["e", "c"], ["a"]]
    listed = DynamoAllOrders(table, "Orders").newest_orders(None, 2, None).items
    assert listed == [ORDERS[6], shipped]


def test_a_cursor_only_resumes_the_query_it_was_made_for():
    table = FakeOrdersTable(ORDERS)
    listing = DynamoAllOrders(table, "Orders")
    every, paid = (listing.newest_orders(status, 2, None).next_cursor for status in (None, "PAID"))
    assert every is not None and paid is not None
    assert [o.id for o in listing.newest_orders(None, 2, every).items] == ["e", "d"]
    for status, cursor in ((None, paid), ("PAID", every), ("SHIPPED", paid)):
        with pytest.raises(ValidationFailed):
            listing.newest_orders(status, 2, cursor)
    for garbage in ("x", "eyJ2IjoxfQ", every[:-3]):
        with pytest.raises(ValidationFailed):
            listing.newest_orders(None, 2, garbage)


@pytest.mark.parametrize("status", [None, "PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"])
def test_every_order_status_filters(status):
    orders = RecordingAllOrders()
    assert build_admin_order_queries(orders=orders).list_orders(status, 20, "c") == Page([], None)
    assert orders.calls == [(status, 20, "c")]


@pytest.mark.parametrize("status", ["paid", "REFUNDED", "", "STATUS#PAID"])
def test_anything_else_is_a_validation_error(status):
    orders = RecordingAllOrders()
    with pytest.raises(ValidationFailed):
        build_admin_order_queries(orders=orders).list_orders(status, 20, None)
    assert orders.calls == []
