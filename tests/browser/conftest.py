"""The admin console in a real browser: Debian's Chromium driven by Playwright, against one local shop.

The shop is the e2e session's own `local_shop` (tests/e2e/conftest.py, loaded from its file path
so that nothing edits sys.path); it serves the built console at /console/ from the same origin
as the API. Set-up that is not what a test is about (customers, their paid orders) goes through
the API; what the admin does goes through the console.

`CONSOLE_SCREENSHOTS=docs/console` makes the tests save a screenshot of each screen there.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("browser_e2e_conftest", ROOT / "tests/e2e/conftest.py")
assert _spec is not None and _spec.loader is not None
_e2e = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _e2e  # dataclasses look their module up there
_spec.loader.exec_module(_e2e)
local_shop = _e2e.local_shop  # one local shop for the whole session, exactly the e2e one
LocalShop = _e2e.LocalShop

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
DIST = ROOT / "admin-console" / "dist"
AXE = ROOT / "admin-console" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = os.environ.get("CONSOLE_SCREENSHOTS")
MENU = ("Dashboard", "Products", "Categories", "Inventory", "Orders", "Users", "Audit log")
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
ADDRESS = {
    "name": "Grace Hopper",
    "line1": "1 Harbour Road",
    "city": "Arlington",
    "postal_code": "22201",
    "country": "US",
}
STATS_LAG_SECONDS = 30

# Generous: on a busy machine Chromium may need seconds to run the bundle; nothing here is timed.
expect.set_options(timeout=30_000)


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str
    user_id: str = ""


class ShopApi:
    """The shop's HTTP API for set-up and for checking what the console did."""

    def __init__(self, shop: Any) -> None:
        self.shop = shop

    def call(self, method: str, path: str, token: str, body: Any = None, key: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = key
        answer = self.shop.request(method, path, body, headers)
        assert answer.status < 300, f"{method} {path} -> {answer.status}: {answer.body[:300]!r}"
        return answer.json() if answer.body else None

    def token(self, who: Credentials) -> str:
        return str(self.shop.login(who.email, who.password)["access_token"])

    def customer(self, tag: str = "buyer") -> Credentials:
        email, password = f"{tag}-{uuid.uuid4().hex[:8]}@example.com", "a customer password"
        user = self.shop.register(email, password, name=tag.title())["user"]
        return Credentials(email, password, str(user["id"]))

    def product(self, admin: str, name: str, stock: int, price_cents: int = 4500) -> dict[str, Any]:
        tag = uuid.uuid4().hex[:6]
        category = self.call("POST", "/categories", admin, {"name": f"Shelf {tag}", "slug": f"shelf-{tag}"})
        body = {"sku": f"SKU-{tag.upper()}", "name": name, "price_cents": price_cents}
        product = self.call(
            "POST", "/products", admin, body | {"category_id": category["id"], "status": "ACTIVE"}
        )
        if stock:
            adjustment = {"delta": stock, "reason": "browser test stock"}
            self.call("POST", f"/admin/inventory/{product['id']}/adjustments", admin, adjustment)
        return dict(product)

    def paid_order(self, buyer: Credentials, product_id: str, quantity: int = 1) -> dict[str, Any]:
        token = self.token(buyer)
        self.call("POST", "/cart/items", token, {"product_id": product_id, "quantity": quantity})
        order = self.call("POST", "/checkout", token, {"shipping_address": ADDRESS}, key=uuid.uuid4().hex)
        paid = self.call("POST", f"/orders/{order['id']}/payments", token, CARD, key=uuid.uuid4().hex)
        assert paid["order"]["status"] == "PAID", paid
        return dict(paid["order"])

    def wait_for_revenue(self, admin: str, at_least_cents: int) -> None:
        """The sales figures are kept by a queue consumer: wait until they include the orders."""
        deadline = time.monotonic() + STATS_LAG_SECONDS
        while time.monotonic() < deadline:
            if self.call("GET", "/admin/stats/sales", admin)["revenue_cents"] >= at_least_cents:
                return
            time.sleep(0.5)
        pytest.fail(f"sales statistics did not reach {at_least_cents} cents within {STATS_LAG_SECONDS}s")


@dataclass
class Shop:
    """What the whole session shares: the API, the admin, a stocked product and paid orders."""

    api: ShopApi
    url: str
    admin: Credentials
    admin_token: str
    product: dict[str, Any]
    buyer: Credentials
    paid_orders: list[dict[str, Any]]

    @property
    def console_url(self) -> str:
        return f"{self.url}/console/"


@pytest.fixture(scope="session")
def shop(local_shop: Any) -> Shop:
    if not (DIST / "index.html").is_file():
        pytest.fail("the console is not built: run `make console` (make browser does it first)")
    api = ShopApi(local_shop)
    email, password = f"console-admin-{uuid.uuid4().hex[:6]}@example.com", "a console admin password"
    made = local_shop.make_admin(email, password)
    assert made.returncode == 0, made.stderr
    session = local_shop.login(email, password)
    admin = Credentials(email, password, str(session["user"]["id"]))
    token = str(session["access_token"])
    product = api.product(token, "Brass desk lamp", stock=40)
    api.product(token, "Last teapot", stock=3, price_cents=2500)
    buyer = api.customer("grace")
    paid = [api.paid_order(buyer, product["id"], quantity) for quantity in (2, 1, 1)]
    api.wait_for_revenue(token, sum(order["total_cents"] for order in paid))
    return Shop(api, local_shop.url, admin, token, product, buyer, paid)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: `apt-get install chromium` (make browser does it)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # Chromium's sandbox needs user namespaces, which a root shell in a container often lacks.
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
    yield launched
    launched.close()


def new_context(browser: Browser) -> BrowserContext:
    # axe-core is injected as an inline script, which the console's CSP rightly forbids.
    made = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True, locale="en-GB")
    made.set_default_timeout(30_000)
    return made


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile: nobody signed in."""
    made = new_context(browser)
    yield made
    made.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test leaves a picture of every page it had open, and says where."""
    report = yield
    if report.when == "call" and report.failed:
        for line in _failure_pictures(item):
            report.sections.append(("console screenshot", line))
    return report


def _failure_pictures(item: pytest.Item) -> list[str]:
    values = list(getattr(item, "funcargs", {}).values())
    pages = [v for v in values if isinstance(v, Page)]
    pages += [p for v in values if isinstance(v, BrowserContext) for p in v.pages]
    folder = Path(tempfile.gettempdir()) / "console-failures"
    folder.mkdir(exist_ok=True)
    lines = []
    for number, page in enumerate(pages):
        target = folder / f"{item.name}-{number}.png"
        try:
            page.screenshot(path=str(target))
            lines.append(f"{page.url} -> {target}")
        except Exception as exc:
            lines.append(f"no picture of {page.url}: {exc}")
    return lines


class Console:
    """What a test does in the console: sign in, go to a screen, take its picture, ask axe-core."""

    def __init__(self, url: str) -> None:
        self.url = url

    def sign_in(self, page: Page, who: Credentials) -> None:
        page.goto(self.url)
        page.get_by_label("Email", exact=True).fill(who.email)
        page.get_by_label("Password", exact=True).fill(who.password)
        page.get_by_role("button", name="Sign in").click()

    @staticmethod
    def open(page: Page, name: str) -> None:
        """Go to a screen the way a person does: through the menu."""
        page.get_by_role("navigation", name="Main menu").get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("progressbar")).to_have_count(0)

    @staticmethod
    def screenshot(page: Page, name: str) -> None:
        if SCREENSHOTS:
            target = ROOT / SCREENSHOTS / f"{name}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(target), full_page=False)

    @staticmethod
    def serious_axe_violations(page: Page) -> list[str]:
        """axe-core's serious and critical findings on the page once it has loaded (empty when clean)."""
        expect(page.get_by_role("progressbar")).to_have_count(0)
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(content=AXE.read_text())
        results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        return [
            f"{v['impact']}: {v['id']} ({v['help']}) at {[n['html'][:160] for n in v['nodes']][:3]}"
            for v in results["violations"]
            if v["impact"] in {"serious", "critical"}
        ]


@pytest.fixture(scope="session")
def console(shop: Shop) -> Console:
    return Console(shop.console_url)


@pytest.fixture(scope="session")
def admin_page(browser: Browser, shop: Shop, console: Console) -> Iterator[Page]:
    """One signed-in admin tab for the whole journey (the session lives in the page's memory)."""
    context = new_context(browser)
    page = context.new_page()
    console.sign_in(page, shop.admin)
    expect(page.get_by_role("link", name="Orders", exact=True)).to_be_visible()
    yield page
    context.close()
