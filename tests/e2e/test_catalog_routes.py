"""The catalog and inventory routes over HTTP, as guest, customer, admin and nobody, against API.md.

Needs from tests/e2e/conftest.py: `shop_url` (a running local shop) and `admin_token` (an access
token of an admin made with the project's documented command). Guest and customer tokens are made
here through the public auth routes.
"""

import uuid

import pytest
import requests

pytestmark = pytest.mark.e2e
TIMEOUT = 10


@pytest.fixture(scope="module")
def headers(shop_url, admin_token):
    guest = requests.post(f"{shop_url}/auth/guest", timeout=TIMEOUT).json()["access_token"]
    email = f"cat-{uuid.uuid4().hex[:8]}@example.com"
    registered = requests.post(
        f"{shop_url}/auth/register",
        json={"email": email, "password": "correct horse battery", "name": "Cat Alog"},
        timeout=TIMEOUT,
    )
    customer = registered.json()["access_token"]
    return {
        "nobody": {},
        "guest": {"Authorization": f"Bearer {guest}"},
        "customer": {"Authorization": f"Bearer {customer}"},
        "admin": {"Authorization": f"Bearer {admin_token}"},
    }


@pytest.fixture(scope="module")
def api(shop_url, headers):
    def call(method, path, role="admin", **kwargs):
        answer = requests.request(method, shop_url + path, headers=headers[role], timeout=TIMEOUT, **kwargs)
        assert answer.headers.get("X-Request-Id")
        return answer

    return call


@pytest.fixture(scope="module")
def shelf(api):
    tag = uuid.uuid4().hex[:8]
    category = api("POST", "/categories", json={"name": "E2E mugs", "slug": f"e2e-mugs-{tag}"}).json()
    made = {}
    for status in ("ACTIVE", "DRAFT"):
        body = {
            "sku": f"E2E-{tag}-{status}",
            "name": f"{status} mug",
            "price_cents": 1299,
            "category_id": category["id"],
            "status": status,
        }
        answer = api("POST", "/products", json=body)
        assert answer.status_code == 201
        made[status] = answer.json()
    return category, made


def _code(answer):
    return answer.status_code, answer.json()["error"]["code"]


def test_browsing_is_for_anyone_and_shows_only_active_products(api, shelf):
    category, made = shelf
    for role in ("nobody", "guest", "customer"):
        page = api("GET", f"/products?category_id={category['id']}", role=role)
        assert page.status_code == 200
        assert [p["id"] for p in page.json()["items"]] == [made["ACTIVE"]["id"]]
        assert api("GET", f"/products/{made['ACTIVE']['id']}", role=role).json() == made["ACTIVE"]
        assert _code(api("GET", f"/products/{made['DRAFT']['id']}", role=role)) == (404, "NOT_FOUND")
        listed = api("GET", "/categories", role=role).json()
        assert listed["next_cursor"] is None and category in listed["items"]
    admin_page = api("GET", f"/products?category_id={category['id']}").json()
    assert {p["status"] for p in admin_page["items"]} == {"ACTIVE", "DRAFT"}
    assert api("GET", f"/products/{made['DRAFT']['id']}").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/categories", {"name": "x", "slug": "x"}),
        ("PATCH", "/categories/some-id", {"name": "x"}),
        ("DELETE", "/categories/some-id", None),
        ("POST", "/products", {"sku": "X", "name": "x", "price_cents": 1, "category_id": "c"}),
        ("PATCH", "/products/some-id", {"name": "x"}),
        ("DELETE", "/products/some-id", None),
        ("GET", "/admin/inventory/some-id", None),
        ("POST", "/admin/inventory/some-id/adjustments", {"delta": 1, "reason": "x"}),
        ("GET", "/admin/inventory?below=5", None),
    ],
)
def test_admin_routes_refuse_everyone_else(api, method, path, body):
    assert _code(api(method, path, role="nobody", json=body)) == (401, "UNAUTHORIZED")
    for role in ("guest", "customer"):
        assert _code(api(method, path, role=role, json=body)) == (403, "FORBIDDEN")


def test_an_admin_runs_a_product_through_its_life(api, shelf):
    category, _ = shelf
    body = {
        "sku": f"LIFE-{uuid.uuid4().hex[:8]}",
        "name": "Life mug",
        "price_cents": 999,
        "category_id": category["id"],
    }
    created = api("POST", "/products", json=body)
    assert created.status_code == 201
    product = created.json()
    assert (product["status"], product["currency"], product["stock_available"]) == ("DRAFT", "USD", 0)
    assert _code(api("POST", "/products", json=body)) == (409, "SKU_TAKEN")
    pid = product["id"]
    changed = api("PATCH", f"/products/{pid}", json={"status": "ACTIVE", "price_cents": 1099}).json()
    assert (changed["status"], changed["price_cents"]) == ("ACTIVE", 1099)
    adjusted = api("POST", f"/admin/inventory/{pid}/adjustments", json={"delta": 5, "reason": "delivery"})
    assert adjusted.json() == {"product_id": pid, "available": 5, "reserved": 0, "sold": 0}
    refused = api("POST", f"/admin/inventory/{pid}/adjustments", json={"delta": -6, "reason": "count"})
    assert _code(refused) == (409, "INSUFFICIENT_STOCK")
    assert api("GET", f"/admin/inventory/{pid}").json()["available"] == 5
    assert api("GET", f"/products/{pid}", role="guest").json()["stock_available"] == 5
    low = api("GET", "/admin/inventory?below=6&limit=100").json()
    assert pid in {row["id"] for row in low["items"]} or low["next_cursor"]
    assert api("DELETE", f"/products/{pid}").status_code == 204
    assert api("GET", f"/products/{pid}", role="customer").status_code == 404


def test_categories_keep_unique_slugs_and_refuse_deletion_while_used(api, shelf):
    category, _ = shelf
    assert _code(api("POST", "/categories", json={"name": "Dup", "slug": category["slug"]})) == (
        409,
        "SLUG_TAKEN",
    )
    assert _code(api("DELETE", f"/categories/{category['id']}")) == (409, "CATEGORY_NOT_EMPTY")
    spare = api("POST", "/categories", json={"name": "Spare", "slug": f"spare-{uuid.uuid4().hex[:8]}"}).json()
    renamed = api(
        "PATCH", f"/categories/{spare['id']}", json={"name": "Spare parts", "parent_id": category["id"]}
    )
    assert renamed.json() == {**spare, "name": "Spare parts", "parent_id": category["id"]}
    assert api("DELETE", f"/categories/{spare['id']}").status_code == 204
    assert _code(api("DELETE", f"/categories/{spare['id']}")) == (404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/categories", {"name": "x", "slug": "ok-slug", "role": "admin"}),
        (
            "POST",
            "/products",
            {"sku": "X", "name": "x", "price_cents": 1, "category_id": "c", "stock_available": 9},
        ),
        ("POST", "/products", {"sku": "X", "name": "x", "price_cents": 19.99, "category_id": "c"}),
        ("POST", "/products", {"sku": "X", "name": "x", "price_cents": "1999", "category_id": "c"}),
        ("PATCH", "/products/some-id", {}),
        ("POST", "/admin/inventory/some-id/adjustments", {"delta": 1, "reason": "x", "available": 100}),
        ("POST", "/admin/inventory/some-id/adjustments", {"delta": 0, "reason": "x"}),
    ],
)
def test_bad_bodies_are_400(api, method, path, body):
    assert _code(api(method, path, json=body)) == (400, "VALIDATION_ERROR")


@pytest.mark.parametrize("path", ["/products", "/admin/inventory"])
@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "cursor=forged", "cursor=eyJ2IjoxfQ"])
def test_bad_paging_is_400(api, path, query):
    assert _code(api("GET", f"{path}?{query}")) == (400, "VALIDATION_ERROR")
