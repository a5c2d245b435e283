"""The dashboard: the shop's sales figures, charted, for a chosen range of days."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.browser.conftest import Console, Shop


def _money(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def test_dashboard_shows_revenue_orders_top_products_low_stock_and_recent_orders(
    admin_page: Page, shop: Shop, console: Console
) -> None:
    page = admin_page
    stats = shop.api.call("GET", "/admin/stats/sales", shop.admin_token)
    console.open(page, "Dashboard")
    figures = page.get_by_test_id("sales-figures")
    expect(figures).to_contain_text(_money(stats["revenue_cents"]))
    expect(figures).to_contain_text(str(stats["orders_count"]))
    bars = page.get_by_test_id("revenue-chart").locator(".recharts-bar-rectangle path")
    expect(bars.first).to_be_visible()
    status_chart = page.get_by_role("region", name="Orders by status")
    expect(status_chart).to_contain_text("Paid")
    expect(page.get_by_role("table", name="Top products")).to_contain_text(shop.product["name"])
    expect(page.get_by_role("table", name="Low stock")).to_contain_text("Last teapot")
    recent = page.get_by_role("table", name="Recent orders")
    expect(recent.get_by_role("link", name=shop.paid_orders[-1]["id"][:8])).to_be_visible()
    console.screenshot(page, "dashboard")

    page.get_by_label("From", exact=True).fill("2020-01-01")
    page.get_by_label("To", exact=True).fill("2020-01-31")
    expect(page.get_by_role("region", name="Top products")).to_contain_text("No sales in this range.")
    expect(figures).to_contain_text("$0.00")
    page.get_by_label("From", exact=True).fill("2020-02-01")
    expect(page.get_by_role("alert")).to_contain_text("“From” must not be after “To”.")

    recent.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
