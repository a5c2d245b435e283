"""Orders in the console: a customer's order paid through the API, shipped and delivered by an admin."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.browser.conftest import Console, Shop


def _filter_status(page: Page, label: str) -> None:
    page.get_by_role("combobox", name="Status").click()
    page.get_by_role("option", name=label, exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(label.upper().replace(" ", "_"))))
    expect(page.get_by_role("progressbar")).to_have_count(0)


def _open_order(page: Page, console: Console, order: dict[str, Any]) -> None:
    console.open(page, "Orders")
    _filter_status(page, "Paid")
    page.get_by_role("cell", name=order["id"][:8], exact=True).click()
    expect(page.get_by_role("heading", name=f"Order {order['id'][:8]}")).to_be_visible()


def test_admin_ships_and_delivers_a_paid_order(admin_page: Page, shop: Shop, console: Console) -> None:
    page, token = admin_page, shop.admin_token
    order = shop.api.paid_order(shop.buyer, shop.product["id"], quantity=3)
    _open_order(page, console, order)

    lines = page.get_by_role("table", name="Order lines")
    expect(lines.get_by_role("row").filter(has_text=shop.product["name"])).to_contain_text("3")
    expect(lines.get_by_role("row", name="Total $135.00", exact=True)).to_be_visible()
    expect(page.get_by_role("region", name="Shipping address")).to_contain_text("1 Harbour Road")
    expect(page.get_by_role("table", name="Payments")).to_contain_text("Succeeded")
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text("#1 Order created")
    expect(history).to_contain_text("#2 Payment succeeded")

    shipment = page.get_by_role("region", name="Shipment")
    shipment.get_by_label("Carrier").fill("DHL")
    shipment.get_by_role("button", name="Ship order").click()
    expect(page.get_by_test_id("shipment-status")).to_have_text("Label created")
    expect(history).to_contain_text("#3 Shipment created")
    for status, label in (
        ("In transit", "In transit"),
        ("Out for delivery", "Out for delivery"),
        ("Delivered", "Delivered"),
    ):
        shipment.get_by_role("combobox", name="New status").click()
        page.get_by_role("option", name=status, exact=True).click()
        shipment.get_by_label("Location").fill("Leipzig")
        shipment.get_by_role("button", name="Add tracking update").click()
        expect(page.get_by_test_id("shipment-status")).to_have_text(label)
    expect(history).to_contain_text("Order delivered")
    expect(shipment.get_by_role("button", name="Add tracking update")).to_have_count(0)
    console.screenshot(page, "order-detail")

    delivered = shop.api.call("GET", f"/orders/{order['id']}", token)
    assert delivered["status"] == "DELIVERED"
    events = shop.api.call("GET", f"/orders/{order['id']}/events", token)["items"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["type"] for e in events][:3] == ["order_created", "payment_succeeded", "shipment_created"]
    assert events[-1]["type"] == "order_delivered"
    expect(history.get_by_test_id("order-event")).to_have_count(len(events))


def test_admin_cancels_a_paid_order_and_sees_its_refund(
    admin_page: Page, shop: Shop, console: Console
) -> None:
    page, token = admin_page, shop.admin_token
    order = shop.api.paid_order(shop.buyer, shop.product["id"])
    _open_order(page, console, order)
    page.get_by_role("button", name="Cancel order").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel order").click()
    expect(page.get_by_text("Cancelled", exact=True)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Refund")).to_be_visible()
    payments = shop.api.call("GET", f"/orders/{order['id']}/payments", token)["items"]
    assert payments[-1]["status"] in {"REFUND_PENDING", "REFUNDED"}
    assert shop.api.call("GET", f"/orders/{order['id']}", token)["status"] == "CANCELLED"
    expect(page.get_by_role("button", name="Cancel order")).to_have_count(0)
    expect(page.get_by_role("region", name="Shipment")).to_contain_text("Only a paid order can ship")


def test_orders_list_filters_by_status(admin_page: Page, shop: Shop, console: Console) -> None:
    page = admin_page
    console.open(page, "Orders")
    _filter_status(page, "Paid")
    expect(page.get_by_role("cell", name=shop.paid_orders[0]["id"][:8], exact=True)).to_be_visible()
    expect(page.locator("tbody tr").filter(has_not_text="Paid")).to_have_count(0)
    console.screenshot(page, "orders")
    _filter_status(page, "Delivered")
    expect(page.get_by_role("cell", name=shop.paid_orders[0]["id"][:8], exact=True)).to_have_count(0)
    expect(page.locator("tbody tr").filter(has_not_text="Delivered")).to_have_count(0)
