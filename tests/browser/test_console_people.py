"""Users and the audit log in the console."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.browser.conftest import Console, Shop


def test_admin_disables_and_promotes_a_customer(admin_page: Page, shop: Shop, console: Console) -> None:
    page = admin_page
    customer = shop.api.customer("ada")
    console.open(page, "Users")
    row = page.get_by_role("row").filter(has_text=customer.email)  # decrypted for the admin
    expect(row).to_contain_text("customer")

    row.get_by_role("button", name=f"Disable: {customer.email}").click()
    expect(row.get_by_role("button", name=f"Enable: {customer.email}")).to_be_visible()
    assert _user(shop, customer.email)["disabled"] is True
    login = shop.api.shop.request(
        "POST", "/auth/login", {"email": customer.email, "password": customer.password}
    )
    assert (login.status, login.json()["error"]["code"]) == (403, "ACCOUNT_DISABLED")
    row.get_by_role("button", name=f"Enable: {customer.email}").click()
    expect(row.get_by_role("button", name=f"Disable: {customer.email}")).to_be_visible()

    row.get_by_role("button", name=f"Make admin: {customer.email}").click()
    expect(row.get_by_role("button", name=f"Make customer: {customer.email}")).to_be_visible()
    assert _user(shop, customer.email)["role"] == "admin"
    row.get_by_role("button", name=f"Make customer: {customer.email}").click()
    expect(row.get_by_role("button", name=f"Make admin: {customer.email}")).to_be_visible()
    final = _user(shop, customer.email)
    assert (final["role"], final["disabled"]) == ("customer", False)


def test_an_admin_locking_themself_out_is_refused_plainly(
    admin_page: Page, shop: Shop, console: Console
) -> None:
    page = admin_page
    console.open(page, "Users")
    own = page.get_by_role("row").filter(has_text=f"{shop.admin.email} (you)")
    own.get_by_role("button", name=f"Disable: {shop.admin.email}").click()
    refusal = page.get_by_role("alert").filter(has_text="The shop refused the change.")
    expect(refusal).to_contain_text(
        f"{shop.admin.email}: An admin cannot demote or disable themself. (SELF_LOCKOUT)"
    )
    console.screenshot(page, "users")
    assert _user(shop, shop.admin.email)["disabled"] is False


def test_audit_log_filters_by_action_and_actor_and_shows_details(
    admin_page: Page, shop: Shop, console: Console
) -> None:
    page = admin_page
    product = shop.api.product(shop.admin_token, "Audited vase", stock=5)
    console.open(page, "Audit log")
    page.get_by_label("Action").fill("inventory.adjust")
    _filtered(page, "inventory.adjust")
    # The product's creation is filtered out, its stock adjustment stays (the list may lag the URL).
    expect(page.get_by_role("cell", name=product["id"], exact=True)).to_have_count(1)
    expect(page.locator("tbody td.column-action").filter(has_not_text="inventory.adjust")).to_have_count(0)

    page.get_by_label("Actor").fill(shop.admin.user_id)
    _filtered(page, shop.admin.user_id)
    expect(page.locator("tbody td.column-actor_id").filter(has_not_text=shop.admin.user_id)).to_have_count(0)
    expect(page.get_by_role("cell", name=product["id"], exact=True)).to_have_count(1)
    page.get_by_role("cell", name=product["id"], exact=True).click()
    details = page.get_by_test_id("audit-details").first
    expect(details).to_contain_text('"delta": 5')
    expect(details).to_contain_text("browser test stock")
    console.screenshot(page, "audit-log")

    page.get_by_label("Actor").fill("nobody-at-all")
    expect(page.get_by_text("found using the current filters")).to_be_visible()
    page.get_by_label("Actor").fill("")
    page.get_by_label("Action").fill("")


def _filtered(page: Page, value: str) -> None:
    """Wait until the list's URL carries the (debounced) filter value and the list has loaded."""
    expect(page).to_have_url(re.compile(re.escape(value)))
    expect(page.get_by_role("progressbar")).to_have_count(0)


def _user(shop: Shop, email: str) -> dict[str, object]:
    cursor, token = "", shop.admin_token
    while True:
        page = shop.api.call("GET", f"/admin/users?limit=100{cursor}", token)
        for user in page["items"]:
            if user["email"] == email:
                return dict(user)
        if not page["next_cursor"]:
            raise AssertionError(f"no user {email}")
        cursor = f"&cursor={page['next_cursor']}"
