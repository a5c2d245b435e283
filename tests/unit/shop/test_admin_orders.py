"""GET /admin/orders without a network: the status check and the walk over gsi4's month partitions.

`FakeIndex` answers Query like DynamoDB does on an index (one partition, newest first, Limit,
ExclusiveStartKey, and a LastEvaluatedKey whenever Limit stopped it, even with nothing left), so
paging across months, empty months and the end of the list run as they would on the table.
"""

from typing import Any

import pytest

from shop.adapters.orders_dynamo_items import serialise
from shop.adapters.orders_dynamo_paging import index_page, months_page
from shop.domain.paging import Page
from shop.errors import ValidationFailed
from shop.services.admin_orders import AdminOrderQueries


class FakeIndex:
    def __init__(self, orders: list[tuple[str, str]]) -> None:
        """`orders`: (order id, created_at)."""
        self.items = [
            serialise(
                {
                    "pk": f"ORDER#{oid}",
                    "sk": "ORDER",
                    "id": oid,
                    "status": "PAID" if n % 2 else "SHIPPED",
                    "gsi2pk": "STATUS#" + ("PAID" if n % 2 else "SHIPPED"),
                    "gsi2sk": f"{at}#{oid}",
                    "gsi4pk": f"ORDERS#{at[:7]}",
                    "gsi4sk": f"{at}#{oid}",
                }
            )
            for n, (oid, at) in enumerate(orders)
        ]
        self.partitions_read: list[str] = []

    def query(self, **q: Any) -> dict[str, Any]:
        index, partition = q["IndexName"], q["ExpressionAttributeValues"][":partition"]["S"]
        assert q["ScanIndexForward"] is False and q["KeyConditionExpression"] == f"{index}pk = :partition"
        self.partitions_read.append(partition)
        rows = sorted(
            (i for i in self.items if i[f"{index}pk"]["S"] == partition),
            key=lambda i: i[f"{index}sk"]["S"],
            reverse=True,
        )
        if "ExclusiveStartKey" in q:
            after = q["ExclusiveStartKey"][f"{index}sk"]["S"]
            rows = [r for r in rows if r[f"{index}sk"]["S"] < after]
        got = rows[: q["Limit"]]
        answer: dict[str, Any] = {"Items": got}
        if len(got) == q["Limit"]:
            last = got[-1]
            answer["LastEvaluatedKey"] = {a: last[a] for a in ("pk", "sk", f"{index}pk", f"{index}sk")}
        return answer


ORDERS = [
    ("a", "2029-10-03T10:00:00.000Z"),
    ("b", "2029-10-20T10:00:00.000Z"),
    ("c", "2029-12-01T00:00:00.000Z"),  # November is empty
    ("d", "2029-12-31T23:59:59.999Z"),
    ("e", "2030-02-01T00:00:00.000Z"),  # January is empty
    ("f", "2030-02-14T12:00:00.000Z"),
    ("g", "2030-02-14T12:00:00.001Z"),
]
NEWEST_FIRST = ["g", "f", "e", "d", "c", "b", "a"]


def walk(index: FakeIndex, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = months_page(index, "Orders", "2030-03", "2029-09", limit, cursor)
        pages.append([i["id"]["S"] for i in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


@pytest.mark.parametrize("limit", [1, 2, 3, 6, 7, 8, 100])
def test_every_order_once_newest_first_across_months_and_gaps(limit):
    pages = walk(FakeIndex(ORDERS), limit)
    assert [oid for page in pages for oid in page] == NEWEST_FIRST
    assert all(len(page) == limit for page in pages[:-1]) and 0 < len(pages[-1]) <= limit


def test_the_walk_reads_each_month_once_and_stops_at_the_oldest():
    index = FakeIndex(ORDERS)
    walk(index, 100)
    months = ["2030-03", "2030-02", "2030-01", "2029-12", "2029-11", "2029-10", "2029-09"]
    assert index.partitions_read == [f"ORDERS#{m}" for m in months]
    assert months_page(FakeIndex([]), "Orders", "2030-03", "2029-09", 5, None) == Page([], None)


def test_a_cursor_only_resumes_the_query_it_was_made_for():
    index = FakeIndex(ORDERS)
    cursor = months_page(index, "Orders", "2030-03", "2029-09", 2, None).next_cursor
    assert cursor is not None
    assert months_page(index, "Orders", "2030-02", "2030-02", 5, cursor).items  # resumes in February
    for newest, oldest in (("2029-12", "2029-09"), ("2030-03", "2030-03")):  # February outside the walk
        with pytest.raises(ValidationFailed):
            months_page(index, "Orders", newest, oldest, 2, cursor)
    with pytest.raises(ValidationFailed):  # a status-filter cursor is no gsi4 cursor, and vice versa
        index_page(index, "Orders", "gsi2", "STATUS#PAID", "scope", 2, cursor)
    for garbage in ("x", "eyJ2IjoxfQ", cursor[:-3]):
        with pytest.raises(ValidationFailed):
            months_page(index, "Orders", "2030-03", "2029-09", 2, garbage)


def test_the_status_filter_pages_one_status_partition():
    index = FakeIndex(ORDERS)
    first = index_page(index, "Orders", "gsi2", "STATUS#PAID", "s", 2, None)
    rest = index_page(index, "Orders", "gsi2", "STATUS#PAID", "s", 2, first.next_cursor)
    assert [i["id"]["S"] for i in [*first.items, *rest.items]] == ["f", "d", "b"]
    assert rest.next_cursor is None and set(index.partitions_read) == {"STATUS#PAID"}
    with pytest.raises(ValidationFailed):  # the cursor names PAID's partition, not SHIPPED's
        index_page(index, "Orders", "gsi2", "STATUS#SHIPPED", "s", 2, first.next_cursor)


class FakeAllOrders:
    def __init__(self) -> None:
        self.calls: list[tuple[str | None, int, str | None]] = []

    def newest_orders(self, status, limit, cursor):
        self.calls.append((status, limit, cursor))
        return Page([], None)


@pytest.mark.parametrize("status", [None, "PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"])
def test_every_order_status_filters(status):
    orders = FakeAllOrders()
    assert AdminOrderQueries(orders).list_orders(status, 20, "c") == Page([], None)
    assert orders.calls == [(status, 20, "c")]


@pytest.mark.parametrize("status", ["paid", "REFUNDED", "", "STATUS#PAID"])
def test_anything_else_is_a_validation_error(status):
    orders = FakeAllOrders()
    with pytest.raises(ValidationFailed):
        AdminOrderQueries(orders).list_orders(status, 20, None)
    assert orders.calls == []
