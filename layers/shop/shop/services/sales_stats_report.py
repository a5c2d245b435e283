"""GET /admin/stats/sales: the range's day items folded into one report (a Query, however many orders).

Choices the contract leaves open:
- `from`/`to` are inclusive UTC days; the default is the last 30 days ending today; at most 366 days.
- `orders_count`, `revenue_cents`, `by_day` and `top_products` count by the day an order was paid,
  net of refunds: a refunded order counts 0 and its refund is taken off its payment day.
- `by_status` counts the orders *created* in the range, by their current status; every status is
  listed (0 included), as `by_day` lists every day of the range (0 included), so charts need no gaps.
- `average_order_cents` is revenue // orders (floor), 0 without orders.
- `top_products`: the 10 products with the highest net revenue (then units, then id), net zero left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from shop.domain.sales_stats import STATUSES
from shop.errors import ValidationFailed

DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP_PRODUCTS = 10
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


@dataclass(frozen=True)
class DayTotals:
    day: str
    orders_count: int = 0
    revenue_cents: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ProductDayTotals:
    day: str
    product_id: str
    name: str
    units: int
    revenue_cents: int


@dataclass(frozen=True)
class ProductTotals:
    product_id: str
    name: str
    units: int
    revenue_cents: int


@dataclass(frozen=True)
class SalesReport:
    orders_count: int
    revenue_cents: int
    average_order_cents: int
    by_day: list[DayTotals]
    top_products: list[ProductTotals]
    by_status: dict[str, int]


class SalesStatsReader(Protocol):
    def days(self, first: str, last: str) -> tuple[list[DayTotals], list[ProductDayTotals]]:
        """The day items and product-day items from `first` to `last` (YYYY-MM-DD, inclusive)."""
        ...


def _parse(raw: str, field_name: str) -> date:
    try:
        if not _ISO_DAY.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            details=[{"field": f"query.{field_name}", "message": "must be a date as YYYY-MM-DD"}]
        ) from None


def date_range(raw_from: str | None, raw_to: str | None, today: date) -> tuple[date, date]:
    """The inclusive range asked for; ValidationFailed names the bad parameter."""
    last = _parse(raw_to, "to") if raw_to is not None else today
    # the default range is the last 30 days, or as many as the calendar has before `to`
    default_days = min(DEFAULT_DAYS - 1, (last - date.min).days)
    first = _parse(raw_from, "from") if raw_from is not None else last - timedelta(days=default_days)
    if first > last:
        raise ValidationFailed(details=[{"field": "query.from", "message": "must not be after `to`"}])
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed(
            details=[{"field": "query.from", "message": f"the range must span at most {MAX_DAYS} days"}]
        )
    return first, last


def _every_day(first: date, last: date) -> Iterable[str]:
    for offset in range((last - first).days + 1):
        yield (first + timedelta(days=offset)).isoformat()


class SalesReports:
    def __init__(self, reader: SalesStatsReader, today: Callable[[], date] | None = None) -> None:
        self._reader = reader
        self._today = today or (lambda: datetime.now(UTC).date())

    def report(self, raw_from: str | None, raw_to: str | None) -> SalesReport:
        first, last = date_range(raw_from, raw_to, self._today())
        stored, product_days = self._reader.days(first.isoformat(), last.isoformat())
        by_date = {totals.day: totals for totals in stored}
        by_day = [by_date.get(day, DayTotals(day)) for day in _every_day(first, last)]
        by_status = dict.fromkeys(STATUSES, 0)
        for totals in by_day:
            for status, count in totals.statuses.items():
                by_status[status] = by_status.get(status, 0) + count
        orders = sum(totals.orders_count for totals in by_day)
        revenue = sum(totals.revenue_cents for totals in by_day)
        return SalesReport(
            orders_count=orders,
            revenue_cents=revenue,
            average_order_cents=revenue // orders if orders > 0 else 0,
            by_day=by_day,
            top_products=top_products(product_days),
            by_status=by_status,
        )


def top_products(product_days: Iterable[ProductDayTotals], limit: int = TOP_PRODUCTS) -> list[ProductTotals]:
    totals: dict[str, ProductTotals] = {}
    for row in sorted(product_days, key=lambda r: r.day):  # the latest name wins
        seen = totals.get(row.product_id)
        units, revenue = (seen.units, seen.revenue_cents) if seen else (0, 0)
        totals[row.product_id] = ProductTotals(
            row.product_id, row.name, units + row.units, revenue + row.revenue_cents
        )
    kept = [t for t in totals.values() if t.units or t.revenue_cents]
    kept.sort(key=lambda t: (-t.revenue_cents, -t.units, t.product_id))
    return kept[:limit]
