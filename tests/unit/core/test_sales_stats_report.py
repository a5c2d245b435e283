"""GET /admin/stats/sales's range rules and report shape, on an in-memory reader."""

from __future__ import annotations

from datetime import date

import pytest

from shop.errors import ValidationFailed
from shop.services.sales_stats_report import DayTotals, ProductDayTotals, SalesReports, date_range

TODAY = date(2026, 3, 10)


class Reader:
    def __init__(self, days=(), products=()):
        self.rows = list(days), list(products)
        self.asked: list[tuple[str, str]] = []

    def days(self, first, last):
        self.asked.append((first, last))
        return [d for d in self.rows[0] if first <= d.day <= last], [
            p for p in self.rows[1] if first <= p.day <= last
        ]


def test_the_default_range_is_the_last_30_days_ending_today():
    assert date_range(None, None, TODAY) == (date(2026, 2, 9), TODAY)
    assert date_range(None, "2026-01-31", TODAY) == (date(2026, 1, 2), date(2026, 1, 31))
    assert date_range(None, "0001-01-05", TODAY) == (date(1, 1, 1), date(1, 1, 5))  # no day before the first
    assert date_range(None, "9999-12-31", TODAY) == (date(9999, 12, 2), date(9999, 12, 31))


@pytest.mark.parametrize(
    ("raw_from", "raw_to", "field"),
    [
        ("2026-3-1", "2026-03-02", "query.from"),
        ("2026-02-30", "2026-03-02", "query.from"),
        ("2026-W09-1", "2026-03-02", "query.from"),
        ("20260301", "2026-03-02", "query.from"),
        ("2026-03-01", "tomorrow", "query.to"),
        ("2026-03-05", "2026-03-04", "query.from"),
        ("2025-03-01", "2026-03-02", "query.from"),
    ],
)
def test_malformed_or_reversed_or_too_long_ranges_are_refused(raw_from, raw_to, field):
    with pytest.raises(ValidationFailed) as raised:
        date_range(raw_from, raw_to, TODAY)
    assert raised.value.details[0]["field"] == field


def test_a_range_of_366_days_is_allowed():
    assert date_range("2024-01-01", "2024-12-31", TODAY) == (date(2024, 1, 1), date(2024, 12, 31))


def test_every_day_is_listed_and_every_status_is_named():
    reader = Reader([DayTotals("2026-03-02", 3, 10000, {"PAID": 2, "CANCELLED": 1})])
    report = SalesReports(reader, lambda: TODAY).report("2026-03-01", "2026-03-03")
    assert [(d.day, d.orders_count, d.revenue_cents) for d in report.by_day] == [
        ("2026-03-01", 0, 0),
        ("2026-03-02", 3, 10000),
        ("2026-03-03", 0, 0),
    ]
    assert report.by_status == {"PENDING_PAYMENT": 0, "PAID": 2, "SHIPPED": 0, "DELIVERED": 0, "CANCELLED": 1}
    assert (report.orders_count, report.revenue_cents, report.average_order_cents) == (3, 10000, 3333)
    assert reader.asked == [("2026-03-01", "2026-03-03")]


def test_no_orders_average_zero():
    report = SalesReports(Reader(), lambda: TODAY).report(None, None)
    assert (report.orders_count, report.average_order_cents, len(report.by_day)) == (0, 0, 30)


def test_top_products_add_up_days_rank_by_revenue_and_keep_ten():
    rows = [ProductDayTotals("2026-03-01", f"p{n:02}", f"P{n}", 1, 100 * n) for n in range(12)]
    rows += [
        ProductDayTotals("2026-03-02", "p01", "P1 renamed", 2, 5000),
        ProductDayTotals("2026-03-02", "p11", "P11", -1, -1100),  # refunded: nets to zero
    ]
    top = SalesReports(Reader([], rows), lambda: TODAY).report("2026-03-01", "2026-03-02").top_products
    assert [(p.product_id, p.name, p.units, p.revenue_cents) for p in top[:2]] == [
        ("p01", "P1 renamed", 3, 5100),
        ("p10", "P10", 1, 1000),
    ]
    assert len(top) == 10
    assert "p11" not in {p.product_id for p in top}
