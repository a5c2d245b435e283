"""Products, categories and inventory, done by an admin in the console and checked through the API."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.browser.conftest import Console, Shop


def _choose(page: Page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def _filtered(page: Page, fragment: str, present: bool = True) -> None:
    """Wait until the list's URL says the (debounced) filter is applied, or gone."""
    pattern = re.compile(re.escape(fragment))
    if present:
        expect(page).to_have_url(pattern)
    else:
        expect(page).not_to_have_url(pattern)
    expect(page.get_by_role("progressbar")).to_have_count(0)


def test_admin_creates_and_renames_a_category(admin_page: Page, shop: Shop, console: Console) -> None:
    page, tag = admin_page, uuid.uuid4().hex[:6]
    console.open(page, "Categories")
    page.get_by_role("link", name="Create").click()
    page.get_by_label("Name").fill(f"Lamps {tag}")
    page.get_by_label("Slug").fill(f"lamps-{tag}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("cell", name=f"lamps-{tag}", exact=True)).to_be_visible()
    console.screenshot(page, "categories")

    page.get_by_role("cell", name=f"lamps-{tag}", exact=True).click()
    page.get_by_label("Name").fill(f"Desk lamps {tag}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("cell", name=f"Desk lamps {tag}", exact=True)).to_be_visible()
    names = {c["name"] for c in shop.api.call("GET", "/categories", shop.admin_token)["items"]}
    assert f"Desk lamps {tag}" in names


def test_admin_creates_searches_edits_and_archives_a_product(
    admin_page: Page, shop: Shop, console: Console
) -> None:
    page, tag = admin_page, uuid.uuid4().hex[:6].upper()
    token = shop.admin_token
    shop.api.call("POST", "/categories", token, {"name": f"Rugs {tag}", "slug": f"rugs-{tag.lower()}"})
    console.open(page, "Products")
    page.get_by_role("link", name="Create").click()
    page.get_by_label("SKU").fill(f"RUG-{tag}")
    page.get_by_label("Name").fill(f"Wool rug {tag}")
    page.get_by_label("Price").fill("45.00")
    _choose(page, "Category", f"Rugs {tag}")
    _choose(page, "Status", "Active")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Edit product")).to_be_visible()
    made = shop.api.call("GET", f"/products?q=Wool rug {tag}".replace(" ", "%20"), token)["items"]
    assert [(p["sku"], p["price_cents"], p["status"]) for p in made] == [(f"RUG-{tag}", 4500, "ACTIVE")]
    product_id = made[0]["id"]

    console.open(page, "Products")
    page.get_by_label("Search").fill(f"wool rug {tag.lower()}")
    _filtered(page, "%22q%22")
    expect(page.get_by_role("row")).to_have_count(2)  # the header and the rug
    expect(page.get_by_role("cell", name=f"Wool rug {tag}")).to_be_visible()
    console.screenshot(page, "products")
    page.get_by_label("Search").fill("")
    _filtered(page, "%22q%22", present=False)
    _choose(page, "Category", f"Rugs {tag}")
    _filtered(page, "category_id")
    expect(page.get_by_role("row")).to_have_count(2)
    expect(page.get_by_role("cell", name=f"RUG-{tag}")).to_be_visible()

    page.get_by_role("cell", name=f"Wool rug {tag}").click()
    # the list stays on screen for a moment after the URL changes, and its "Price" sort label would match
    expect(page.get_by_role("heading", name="Edit product")).to_be_visible()
    page.get_by_label("Price").fill("46.50")
    _choose(page, "Status", "Draft")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Element updated")).to_be_visible()
    changed = shop.api.call("GET", f"/products/{product_id}", token)
    assert (changed["price_cents"], changed["status"]) == (4650, "DRAFT")

    page.get_by_role("cell", name=f"Wool rug {tag}").click()
    expect(page.get_by_role("heading", name="Edit product")).to_be_visible()
    page.get_by_role("button", name="Archive").click()
    page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Element deleted")).to_be_visible()
    assert shop.api.call("GET", f"/products/{product_id}", token)["status"] == "ARCHIVED"


def test_admin_adjusts_stock_with_a_reason_and_sees_low_stock(
    admin_page: Page, shop: Shop, console: Console
) -> None:
    page, token = admin_page, shop.admin_token
    product = shop.api.product(token, f"Linen cushion {uuid.uuid4().hex[:6]}", stock=2)
    console.open(page, "Inventory")
    row = page.get_by_role("row").filter(has_text=product["name"])
    expect(row.get_by_role("cell", name="2", exact=True).first).to_be_visible()
    row.get_by_role("button", name=f"Adjust stock of {product['name']}").click()
    dialog = page.get_by_role("dialog", name=f"Adjust stock of {product['name']}")
    dialog.get_by_label("Change").fill("25")
    dialog.get_by_label("Reason").fill("first delivery")
    console.screenshot(page, "inventory-adjust")
    dialog.get_by_role("button", name="Save adjustment").click()
    expect(page.get_by_text("27 available")).to_be_visible()
    levels = shop.api.call("GET", f"/admin/inventory/{product['id']}", token)
    assert (levels["available"], levels["reserved"]) == (27, 0)
    audit = shop.api.call("GET", "/admin/audit?action=inventory.adjust&limit=100", token)["items"]
    assert any(e["target_id"] == product["id"] and "first delivery" in str(e["details"]) for e in audit)

    row.get_by_role("button", name=f"Adjust stock of {product['name']}").click()
    dialog.get_by_label("Change").fill("-30")
    dialog.get_by_label("Reason").fill("too many")
    dialog.get_by_role("button", name="Save adjustment").click()
    expect(page.get_by_text("(INSUFFICIENT_STOCK)")).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()

    page.get_by_role("button", name="Low stock (below 10)").click()
    expect(page.get_by_role("cell", name="Last teapot", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name=product["name"], exact=True)).to_have_count(0)
    console.screenshot(page, "inventory")
