"""OWASP API5:2023 Broken Function Level Authorization: every route x every role x every method.

WHO is read from the routes' own access declarations (shop.api.access, on each route's decorator;
shop_tools.access_table reads them for every route of template.yaml), the same declarations the
functions enforce. CONTRACT is API.md's "who" column written down independently (section and
table cited per block), and the two must agree exactly, so a route declared wrongly fails here.
For each path of the template, each HTTP method and each caller (no token, guest, customer, admin,
and for owner routes the owner), the status class must be what the contract says:
- a method the path does not have: 404 NOT_FOUND from the gateway, whoever asks (API Gateway's
  MISSING_AUTHENTICATION_TOKEN, which template.yaml's GatewayResponses answer as 404);
- no token where one is needed: 401 UNAUTHORIZED;
- a role the row does not list: 403 (FORBIDDEN, or LOGIN_REQUIRED for guests where API.md says so),
  never 2xx, and also when the body is malformed (authorization before validation);
- someone else's object on an owner route: 404 (API.md conventions; the API1 suite goes deeper);
- a role the row lists: neither 401 nor 403 (the request itself may still be a 4xx).
"""

from __future__ import annotations

import uuid

import pytest

from shop.api.access import Access
from shop_tools.access_table import access_table

pytestmark = pytest.mark.e2e
ANYONE = frozenset({"none", "guest", "customer", "admin"})
USERS = frozenset({"guest", "customer", "admin"})
MEMBERS = frozenset({"customer", "admin"})
ADMIN = frozenset({"admin"})
OWNER = "owner"  # only the order's owner (API.md: POST /orders/{id}/payments)
OWNER_OR_ADMIN = "owner, admin"

CONTRACT: dict[tuple[str, str], frozenset[str] | str] = {
    # API.md "## Auth" table
    ("POST", "/auth/guest"): ANYONE,
    ("POST", "/auth/register"): ANYONE,
    ("POST", "/auth/login"): ANYONE,
    ("POST", "/auth/refresh"): ANYONE,
    ("POST", "/auth/logout"): ANYONE,
    ("GET", "/auth/me"): MEMBERS,
    ("GET", "/.well-known/jwks.json"): ANYONE,
    # API.md "## Catalog" table
    ("GET", "/categories"): ANYONE,
    ("POST", "/categories"): ADMIN,
    ("PATCH", "/categories/{id}"): ADMIN,
    ("DELETE", "/categories/{id}"): ADMIN,
    ("GET", "/products"): ANYONE,
    ("GET", "/products/{id}"): ANYONE,
    ("POST", "/products"): ADMIN,
    ("PATCH", "/products/{id}"): ADMIN,
    ("DELETE", "/products/{id}"): ADMIN,
    # API.md "## Inventory (admin)"
    ("GET", "/admin/inventory/{product_id}"): ADMIN,
    ("POST", "/admin/inventory/{product_id}/adjustments"): ADMIN,
    ("GET", "/admin/inventory"): ADMIN,
    # API.md "## Cart (guest, customer, admin; each caller has exactly one cart)"
    ("GET", "/cart"): USERS,
    ("POST", "/cart/items"): USERS,
    ("PUT", "/cart/items/{product_id}"): USERS,
    ("DELETE", "/cart/items/{product_id}"): USERS,
    ("DELETE", "/cart"): USERS,
    # API.md "## Checkout, payment, orders" table
    ("POST", "/checkout"): MEMBERS,
    ("POST", "/orders/{id}/payments"): OWNER,
    ("GET", "/orders/{id}/payments"): OWNER_OR_ADMIN,
    ("GET", "/orders"): MEMBERS,
    ("GET", "/orders/{id}"): OWNER_OR_ADMIN,
    ("GET", "/orders/{id}/events"): OWNER_OR_ADMIN,
    ("POST", "/orders/{id}/cancel"): OWNER_OR_ADMIN,
    # API.md "## Shipping" table
    ("POST", "/admin/orders/{id}/shipments"): ADMIN,
    ("POST", "/admin/shipments/{id}/tracking"): ADMIN,
    ("GET", "/orders/{id}/shipment"): OWNER_OR_ADMIN,
    # API.md "## Admin" table
    ("GET", "/admin/users"): ADMIN,
    ("PATCH", "/admin/users/{id}"): ADMIN,
    ("GET", "/admin/orders"): ADMIN,
    ("GET", "/admin/stats/sales"): ADMIN,
    ("GET", "/admin/audit"): ADMIN,
}


def _who(declared: Access) -> frozenset[str] | str:
    if declared.owner is not None:
        return declared.owner
    return frozenset("none" if role == "anonymous" else role for role in declared.roles)


DECLARED = access_table()
WHO = {route: _who(declared) for route, declared in DECLARED.items()}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD")
PATHS = sorted({path for _, path in WHO})
# A well-formed body per route, so that a refusal is about the caller and not the input.
BODIES = {
    ("POST", "/auth/register"): lambda m: {"email": f"m-{uuid.uuid4().hex[:8]}@example.com", "password": "sekrit-canary-matrix", "name": "M"},
    ("POST", "/auth/login"): lambda m: {"email": "nobody-matrix@example.com", "password": "sekrit-canary-matrix"},
    ("POST", "/auth/refresh"): lambda m: {"refresh_token": "x" * 43},
    ("POST", "/auth/logout"): lambda m: {"refresh_token": "x" * 43},
    ("POST", "/categories"): lambda m: {"name": "Matrix", "slug": f"matrix-{uuid.uuid4().hex[:8]}"},
    ("PATCH", "/categories/{id}"): lambda m: {"name": "Matrix"},
    ("POST", "/products"): lambda m: {"sku": f"MX-{uuid.uuid4().hex[:8]}", "name": "M", "price_cents": 100, "category_id": m["category"]},
    ("PATCH", "/products/{id}"): lambda m: {"price_cents": 1500},
    ("POST", "/admin/inventory/{product_id}/adjustments"): lambda m: {"delta": 1, "reason": "matrix"},
    ("POST", "/cart/items"): lambda m: {"product_id": m["product"], "quantity": 1},
    ("PUT", "/cart/items/{product_id}"): lambda m: {"quantity": 1},
    ("POST", "/checkout"): lambda m: {"shipping_address": m["address"]},
    ("POST", "/orders/{id}/payments"): lambda m: {**m["card"], "card_number": "4000000000000002"},
    ("POST", "/admin/orders/{id}/shipments"): lambda m: {"carrier": "UPS"},
    ("POST", "/admin/shipments/{id}/tracking"): lambda m: {"status": "IN_TRANSIT"},
    ("PATCH", "/admin/users/{id}"): lambda m: {"disabled": False},
}  # fmt: skip


def test_the_routes_declarations_are_the_contracts_table():
    assert WHO == CONTRACT
    guests_must_log_in = {
        route for route, declared in DECLARED.items() if declared.guest_refusal == "LOGIN_REQUIRED"
    }
    assert guests_must_log_in == {("POST", "/checkout")}  # API.md: LOGIN_REQUIRED for checkout only


@pytest.fixture(scope="module")
def matrix(api, world):
    """Objects of the matrix's own (the admin's writes hit these), and the callers."""
    admin = world.admin
    slug = f"matrix-{uuid.uuid4().hex[:8]}"
    category = api.call("POST", "/categories", admin, json={"name": "Matrix", "slug": slug}).json()["id"]
    body = {
        "sku": f"MX-{uuid.uuid4().hex[:8]}",
        "name": "Matrix",
        "price_cents": 700,
        "category_id": category,
    }
    product = api.call("POST", "/products", admin, json=body | {"status": "ACTIVE"}).json()["id"]
    api.call("POST", f"/admin/inventory/{product}/adjustments", admin, json={"delta": 50, "reason": "matrix"})
    owner, stranger = api.register("matrix-owner"), api.register("matrix-stranger")
    # the admin's PATCH of a user bumps that user's access version: not a caller's, whose token would
    # then stop working once the authorizer's cache of it expires
    patched = api.register("matrix-patched")
    order = api.buy(owner.access, product)["id"]
    shipped = api.buy(owner.access, product)["id"]
    api.call("POST", f"/orders/{shipped}/payments", owner.access, key=uuid.uuid4().hex, json=api.card)
    shipment = api.call("POST", f"/admin/orders/{shipped}/shipments", admin, json={"carrier": "UPS"}).json()[
        "id"
    ]
    return {
        "tokens": {"none": None, "guest": api.guest(), "customer": stranger.access, "admin": admin, OWNER: owner.access},
        "ids": {"/categories/": category, "/products/": product, "/admin/inventory/": product, "/cart/items/": product,
                "/orders/": order, "/admin/orders/": order, "/admin/shipments/": shipment, "/admin/users/": patched.id},
        "category": category, "product": product, "address": api.address, "card": api.card,
    }  # fmt: skip


def concrete(path, ids):
    for prefix, value in ids.items():
        if path.startswith(prefix) and "{" in path:
            return path.replace("{id}", value).replace("{product_id}", value)
    return path


def expected(who, caller):
    """The set of acceptable statuses, or None for 'allowed' (neither 401 nor 403)."""
    if isinstance(who, str):  # owner routes
        if caller == "none":
            return {401}
        if caller == OWNER or (who == OWNER_OR_ADMIN and caller == "admin"):
            return None
        return {404}
    if caller in who:
        return None
    return {401} if caller == "none" else {403}


def verdict(api, who, caller, answer):
    """None when the answer is what the contract says for this caller, else what is wrong."""
    status = answer.status_code
    if who is None:  # a method the path does not have
        return (
            None
            if status == 404 and (answer.request.method == "HEAD" or api.error(answer) == (404, "NOT_FOUND"))
            else "not 404"
        )
    allowed = expected(who, caller)
    if allowed is None:
        return None if status not in (401, 403) else "refused an allowed caller"
    if status not in allowed:
        return f"expected {sorted(allowed)}"
    code = api.error(answer)[1]
    if (status == 401 and code != "UNAUTHORIZED") or (
        status == 403 and code not in ("FORBIDDEN", "LOGIN_REQUIRED")
    ):
        return f"wrong code {code}"
    return None


@pytest.mark.parametrize("path", PATHS)
def test_every_method_and_role_on_the_path_answers_as_the_contract_says(api, matrix, path):
    wrong, url = [], concrete(path, matrix["ids"])
    for method in METHODS:
        who, body = WHO.get((method, path)), BODIES.get((method, path))
        seen = set()
        for caller in ("none", "guest", "customer", OWNER, "admin"):
            if caller == OWNER and not isinstance(who, str):
                continue
            kwargs = {"json": body(matrix)} if body else {}
            answer = api.call(method, url, matrix["tokens"][caller], key=uuid.uuid4().hex, **kwargs)
            problem = verdict(api, who, caller, answer)
            if who == ANYONE:  # the caller's token must not matter at all (login, refresh: 401 for all)
                seen.add(
                    (answer.status_code, answer.json()["error"]["code"] if answer.status_code >= 400 else "")
                )
                problem = "403 for anyone" if answer.status_code == 403 else None
            if problem:
                wrong.append(
                    f"{method} {path} as {caller}: {answer.status_code} ({problem}) {answer.text[:120]}"
                )
        if len(seen) > 1:
            wrong.append(f"{method} {path}: answers differ by caller: {sorted(seen)}")
    assert not wrong, "\n".join(wrong)


# Routes that some token holder may not call at all, with those callers (guests, customers).
REFUSED = {
    route: sorted({"guest", "customer"} - who)
    for route, who in WHO.items()
    if isinstance(who, frozenset) and {"guest", "customer"} - who
}


@pytest.mark.parametrize("route", sorted(REFUSED), ids=" ".join)
@pytest.mark.parametrize("body", [{}, {"unknown": 1}, "not json"], ids=["empty", "unknown-field", "not-json"])
def test_a_forbidden_role_is_refused_before_its_input_is_read(api, matrix, route, body):
    """A guest or customer learns nothing about an admin route's input (no 400 details, no 413, no 415)."""
    method, path = route
    url = concrete(path, matrix["ids"])
    for caller in REFUSED[route]:
        kwargs = (
            {"data": body, "headers": {"Content-Type": "application/json"}}
            if isinstance(body, str)
            else {"json": body}
        )
        answer = api.call(method, url + "?limit=0", matrix["tokens"][caller], **kwargs)
        assert answer.status_code == 403, (
            f"{method} {path} as {caller}: {answer.status_code} {answer.text[:200]}"
        )
