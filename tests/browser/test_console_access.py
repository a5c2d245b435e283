"""Who gets into the console, where the session lives, and what each screen names for assistive tech."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import BrowserContext, Page, Request, expect

if TYPE_CHECKING:
    from tests.browser.conftest import Console, Shop

MENU = ("Dashboard", "Products", "Categories", "Inventory", "Orders", "Users", "Audit log")


def test_sign_in_form_and_menu_have_the_names_tests_rely_on(
    context: BrowserContext, shop: Shop, console: Console
) -> None:
    page = context.new_page()
    page.goto(shop.console_url)
    expect(page.get_by_label("Email", exact=True)).to_be_editable()
    expect(page.get_by_label("Password", exact=True)).to_be_editable()
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
    console.screenshot(page, "sign-in")
    console.sign_in(page, shop.admin)
    menu = page.get_by_role("navigation", name="Main menu")
    for name in MENU:
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()


def test_a_customer_is_refused_and_sees_no_data(
    context: BrowserContext, shop: Shop, console: Console
) -> None:
    customer = shop.api.customer("curious")
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    console.sign_in(page, customer)
    expect(page.get_by_role("alert")).to_contain_text("This console is for shop administrators only")
    console.screenshot(page, "customer-refused")
    expect(page.get_by_role("navigation", name="Main menu")).to_have_count(0)
    expect(page.get_by_label("Email", exact=True)).to_be_visible()
    data_calls = [url for url in asked if "/admin/" in url or "/orders" in url or "/stats" in url]
    assert data_calls == []
    assert any(url.endswith("/auth/logout") for url in asked), "the customer's refresh token is not revoked"


def test_wrong_password_is_refused_with_the_shops_words(
    context: BrowserContext, shop: Shop, console: Console
) -> None:
    page = context.new_page()
    console.sign_in(page, type(shop.admin)(shop.admin.email, "not the password at all"))
    expect(page.get_by_role("alert")).to_contain_text("(INVALID_CREDENTIALS)")


def test_the_refresh_token_stays_in_memory_and_a_reload_asks_to_sign_in(
    context: BrowserContext, shop: Shop, console: Console
) -> None:
    page = context.new_page()
    with page.expect_response(lambda answer: answer.url.endswith("/auth/login")) as login:
        console.sign_in(page, shop.admin)
    refresh_token = login.value.json()["refresh_token"]
    expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()
    stored = page.evaluate("() => JSON.stringify([{...localStorage}, {...sessionStorage}, document.cookie])")
    assert refresh_token not in stored
    assert refresh_token not in json.dumps(context.cookies())
    assert refresh_token not in json.dumps(context.storage_state())

    page.reload()
    expect(page.get_by_label("Email", exact=True)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main menu")).to_have_count(0)


def test_the_session_is_renewed_before_the_access_token_expires(
    context: BrowserContext, shop: Shop, console: Console
) -> None:
    page = context.new_page()
    page.clock.install()
    console.sign_in(page, shop.admin)
    expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()
    with page.expect_request(lambda request: request.url.endswith("/auth/refresh")) as renewal:
        page.clock.run_for(14 * 60 * 1000 + 1000)  # the default token lives 15 minutes
    answer = renewal.value.response()
    assert answer is not None and answer.status == 200
    signed: list[Request] = []
    page.on("request", lambda request: signed.append(request) if "/admin/" in request.url else None)
    console.open(page, "Orders")
    expect(page.get_by_role("combobox", name="Status")).to_be_visible()
    assert signed and all(
        r.headers.get("authorization") == f"Bearer {answer.json()['access_token']}" for r in signed
    )

    page.get_by_role("button", name="Profile").click()
    with page.expect_request(lambda request: request.url.endswith("/auth/logout")):
        page.get_by_role("menuitem", name="Logout").click()
    expect(page.get_by_label("Email", exact=True)).to_be_visible()


SCREENS = [
    ("Dashboard", None),
    ("Products", None),
    ("Categories", None),
    ("Inventory", None),
    ("Orders", None),
    ("Users", None),
    ("Audit log", None),
    ("Products", "create"),
    ("Orders", "detail"),
]


@pytest.mark.parametrize(("screen", "view"), SCREENS, ids=[f"{s}-{v or 'list'}" for s, v in SCREENS])
def test_no_serious_or_critical_axe_violations(
    admin_page: Page, shop: Shop, console: Console, screen: str, view: str | None
) -> None:
    page = admin_page
    console.open(page, screen)
    if view == "create":
        page.get_by_role("link", name="Create").click()
        expect(page.get_by_label("SKU")).to_be_visible()
    elif view == "detail":
        page.get_by_role("cell", name=shop.paid_orders[0]["id"][:8], exact=True).click()
        expect(page.get_by_role("heading", name="History")).to_be_visible()
    else:
        expect(page.get_by_role("main")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert console.serious_axe_violations(page) == []


def test_sign_in_screen_has_no_serious_axe_violations(
    context: BrowserContext, shop: Shop, console: Console
) -> None:
    page = context.new_page()
    page.goto(shop.console_url)
    expect(page.get_by_label("Email", exact=True)).to_be_visible()
    assert console.serious_axe_violations(page) == []
