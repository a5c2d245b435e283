"""The cart over HTTP as API.md promises it: guests and users, merging on register and login, isolation.

Needs from tests/e2e/conftest.py: `shop_url` (a running local shop) and `admin_token` (an admin's
access token). Products are made through the public admin routes.
"""

import uuid

import pytest
import requests

pytestmark = pytest.mark.e2e
TIMEOUT = 10
PASSWORD = "correct horse battery"
CART_FIELDS = {"items", "item_count", "subtotal_cents", "currency", "updated_at"}
ITEM_FIELDS = {"product_id", "sku", "name", "unit_price_cents", "quantity", "line_total_cents"}


def call(shop_url, method, path, token=None, body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = requests.request(method, shop_url + path, json=body, headers=headers, timeout=TIMEOUT)
    assert answer.headers.get("X-Request-Id")
    return answer


def code(answer):
    return answer.json()["error"]["code"]


def guest_token(shop_url):
    return call(shop_url, "POST", "/auth/guest").json()["access_token"]


def add(shop_url, token, product_id, quantity):
    answer = call(shop_url, "POST", "/cart/items", token, {"product_id": product_id, "quantity": quantity})
    assert answer.status_code == 200, answer.text
    return answer.json()


def quantities(cart):
    return {item["product_id"]: item["quantity"] for item in cart["items"]}


@pytest.fixture(scope="module")
def products(shop_url, admin_token):
    """Three ACTIVE products (stock 200, 30, 3) and one DRAFT, made by the admin."""
    tag = uuid.uuid4().hex[:8]
    category = call(
        shop_url, "POST", "/categories", admin_token, {"name": "E2E carts", "slug": f"e2e-carts-{tag}"}
    ).json()
    made = {}
    for name, price, stock, status in (
        ("mug", 1299, 200, "ACTIVE"),
        ("tea", 450, 30, "ACTIVE"),
        ("rare", 9900, 3, "ACTIVE"),
        ("draft", 100, 30, "DRAFT"),
    ):
        body = {
            "sku": f"E2E-C-{tag}-{name}",
            "name": name,
            "price_cents": price,
            "category_id": category["id"],
        }
        answer = call(shop_url, "POST", "/products", admin_token, body | {"status": status})
        assert answer.status_code == 201, answer.text
        made[name] = answer.json()["id"]
        adjusted = call(
            shop_url, "POST", f"/admin/inventory/{made[name]}/adjustments", admin_token,
            {"delta": stock, "reason": "e2e stock"},
        )  # fmt: skip
        assert adjusted.status_code == 200
    return made


def test_a_guest_keeps_a_cart(shop_url, products):
    token = guest_token(shop_url)
    empty = call(shop_url, "GET", "/cart", token)
    assert empty.status_code == 200 and set(empty.json()) == CART_FIELDS
    assert (empty.json()["items"], empty.json()["item_count"], empty.json()["currency"]) == ([], 0, "USD")

    added = call(shop_url, "POST", "/cart/items", token, {"product_id": products["mug"], "quantity": 2})
    assert added.status_code == 200 and set(added.json()["items"][0]) == ITEM_FIELDS
    add(shop_url, token, products["tea"], 1)
    cart = call(shop_url, "POST", "/cart/items", token, {"product_id": products["mug"], "quantity": 1}).json()
    assert [(i["product_id"], i["quantity"], i["line_total_cents"]) for i in cart["items"]] == [
        (products["mug"], 3, 3897),
        (products["tea"], 1, 450),
    ]
    assert (cart["item_count"], cart["subtotal_cents"], cart["currency"]) == (4, 4347, "USD")
    assert cart["updated_at"].endswith("Z")

    put = call(shop_url, "PUT", f"/cart/items/{products['mug']}", token, {"quantity": 1})
    assert put.status_code == 200 and quantities(put.json()) == {products["mug"]: 1, products["tea"]: 1}
    zero = call(shop_url, "PUT", f"/cart/items/{products['tea']}", token, {"quantity": 0})
    assert quantities(zero.json()) == {products["mug"]: 1}
    removed = call(shop_url, "DELETE", f"/cart/items/{products['mug']}", token)
    assert removed.status_code == 200 and removed.json()["items"] == []

    add(shop_url, token, products["tea"], 1)
    emptied = call(shop_url, "DELETE", "/cart", token)
    assert emptied.status_code == 204 and emptied.content == b""
    assert call(shop_url, "GET", "/cart", token).json()["items"] == []


def test_the_cart_shows_the_current_price(shop_url, admin_token, products):
    token = guest_token(shop_url)
    add(shop_url, token, products["tea"], 2)
    patched = call(shop_url, "PATCH", f"/products/{products['tea']}", admin_token, {"price_cents": 475})
    assert patched.status_code == 200
    cart = call(shop_url, "GET", "/cart", token).json()
    assert (cart["items"][0]["unit_price_cents"], cart["subtotal_cents"]) == (475, 950)


def test_register_with_a_guest_token_merges_and_empties_the_guest_cart(shop_url, products):
    guest = guest_token(shop_url)
    add(shop_url, guest, products["mug"], 2)
    body = {"email": f"cart-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD, "name": "Cart Reg"}
    registered = call(shop_url, "POST", "/auth/register", body=body | {"guest_token": guest})
    assert registered.status_code == 201, registered.text
    user = registered.json()["access_token"]
    assert quantities(call(shop_url, "GET", "/cart", user).json()) == {products["mug"]: 2}
    assert call(shop_url, "GET", "/cart", guest).json()["items"] == []


def test_login_with_a_guest_token_adds_the_guest_lines_to_the_users(shop_url, products):
    email = f"cart-{uuid.uuid4().hex[:8]}@example.com"
    user = call(shop_url, "POST", "/auth/register", body={"email": email, "password": PASSWORD, "name": "C"})
    user_token = user.json()["access_token"]
    add(shop_url, user_token, products["mug"], 98)
    guest = guest_token(shop_url)
    add(shop_url, guest, products["mug"], 5)
    add(shop_url, guest, products["tea"], 1)
    login = call(
        shop_url, "POST", "/auth/login", body={"email": email, "password": PASSWORD, "guest_token": guest}
    )
    assert login.status_code == 200, login.text
    merged = call(shop_url, "GET", "/cart", login.json()["access_token"]).json()
    assert quantities(merged) == {products["mug"]: 99, products["tea"]: 1}  # capped at 99 a line
    assert call(shop_url, "GET", "/cart", guest).json()["items"] == []


def test_each_token_sees_only_its_own_cart(shop_url, admin_token, products):
    first, second = guest_token(shop_url), guest_token(shop_url)
    reg = {"email": f"cart-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD, "name": "Other"}
    customer = call(shop_url, "POST", "/auth/register", body=reg).json()["access_token"]
    add(shop_url, first, products["mug"], 1)
    for other in (second, customer, admin_token):
        assert products["mug"] not in quantities(call(shop_url, "GET", "/cart", other).json())
        call(shop_url, "DELETE", "/cart", other)
        call(shop_url, "DELETE", f"/cart/items/{products['mug']}", other)
    assert quantities(call(shop_url, "GET", "/cart", first).json()) == {products["mug"]: 1}
    assert call(shop_url, "GET", "/cart").status_code == 401
    assert call(shop_url, "GET", "/cart", "not-a-token").status_code == 401


@pytest.mark.parametrize("quantity", [0, -1, 100, 10**9, "2", 2.5, True])
def test_bad_quantities_are_400(shop_url, products, quantity):
    token = guest_token(shop_url)
    added = call(
        shop_url, "POST", "/cart/items", token, {"product_id": products["mug"], "quantity": quantity}
    )
    assert (added.status_code, code(added)) == (400, "VALIDATION_ERROR")
    if quantity != 0:
        put = call(shop_url, "PUT", f"/cart/items/{products['mug']}", token, {"quantity": quantity})
        assert (put.status_code, code(put)) == (400, "VALIDATION_ERROR")


def test_unknown_fields_and_lines_over_99_are_400(shop_url, products):
    token = guest_token(shop_url)
    for extra in ({"price_cents": 1}, {"user_id": "u_x"}, {"unit_price_cents": 1}):
        body = {"product_id": products["mug"], "quantity": 1} | extra
        assert call(shop_url, "POST", "/cart/items", token, body).status_code == 400
    assert (
        call(
            shop_url, "PUT", f"/cart/items/{products['mug']}", token, {"quantity": 1, "name": "x"}
        ).status_code
        == 400
    )
    add(shop_url, token, products["mug"], 99)
    over = call(shop_url, "POST", "/cart/items", token, {"product_id": products["mug"], "quantity": 1})
    assert (over.status_code, code(over)) == (400, "VALIDATION_ERROR")
    assert "body.quantity" in {d["field"] for d in over.json()["error"]["details"]}
    assert quantities(call(shop_url, "GET", "/cart", token).json()) == {products["mug"]: 99}


def test_unknown_or_inactive_products_are_404_and_stock_is_checked(shop_url, products):
    token = guest_token(shop_url)
    for missing in ("no-such-product", products["draft"]):
        answer = call(shop_url, "POST", "/cart/items", token, {"product_id": missing, "quantity": 1})
        assert (answer.status_code, code(answer)) == (404, "NOT_FOUND")
        for method, body in (("PUT", {"quantity": 1}), ("PUT", {"quantity": 0}), ("DELETE", None)):
            answer = call(shop_url, method, f"/cart/items/{missing}", token, body)
            assert (answer.status_code, code(answer)) == (404, "NOT_FOUND"), (method, body)
    short = call(shop_url, "POST", "/cart/items", token, {"product_id": products["rare"], "quantity": 4})
    assert (short.status_code, code(short)) == (409, "INSUFFICIENT_STOCK")
    assert short.json()["error"]["details"] == [
        {"product_id": products["rare"], "requested": 4, "available": 3}
    ]
    assert call(shop_url, "GET", "/cart", token).json()["items"] == []


def test_a_product_taken_off_sale_leaves_the_cart_and_its_checkout(shop_url, admin_token, products):
    """The cart a customer sees is the cart checkout orders: a line whose product went off sale after
    it was added is in neither; a cart left with no line on sale checks out as CART_EMPTY."""
    tag = uuid.uuid4().hex[:8]
    category = call(shop_url, "GET", f"/products/{products['tea']}").json()["category_id"]
    body = {"sku": f"E2E-OFF-{tag}", "name": "off sale", "price_cents": 700, "category_id": category}
    body["status"] = "ACTIVE"
    made = call(shop_url, "POST", "/products", admin_token, body)
    assert made.status_code == 201, made.text
    going = made.json()["id"]
    adjustment = {"delta": 5, "reason": "e2e stock"}
    assert call(shop_url, "POST", f"/admin/inventory/{going}/adjustments", admin_token, adjustment).ok
    reg = {"email": f"off-{tag}@example.com", "password": PASSWORD, "name": "C"}
    customer = call(shop_url, "POST", "/auth/register", body=reg).json()["access_token"]
    lonely = call(shop_url, "POST", "/auth/register", body=reg | {"email": f"off2-{tag}@example.com"})
    only_going = lonely.json()["access_token"]
    add(shop_url, customer, products["tea"], 1)
    add(shop_url, customer, going, 2)
    add(shop_url, only_going, going, 1)

    off_sale = call(shop_url, "PATCH", f"/products/{going}", admin_token, {"status": "DRAFT"})
    assert off_sale.status_code == 200, off_sale.text
    assert [item["product_id"] for item in call(shop_url, "GET", "/cart", customer).json()["items"]] == [
        products["tea"]
    ]
    address = {"name": "Ada", "line1": "1 Road", "city": "London", "postal_code": "N1", "country": "GB"}

    def checkout(token):
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
        return requests.post(
            shop_url + "/checkout", json={"shipping_address": address}, headers=headers, timeout=TIMEOUT
        )

    ordered = checkout(customer)
    assert ordered.status_code == 201, ordered.text
    assert [(i["product_id"], i["quantity"]) for i in ordered.json()["items"]] == [(products["tea"], 1)]
    assert call(shop_url, "GET", "/cart", customer).json()["items"] == []
    empty = checkout(only_going)
    assert (empty.status_code, code(empty)) == (409, "CART_EMPTY")
    inventory = call(shop_url, "GET", f"/admin/inventory/{going}", admin_token).json()
    assert (inventory["available"], inventory["reserved"]) == (5, 0)
