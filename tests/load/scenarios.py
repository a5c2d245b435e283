"""The load test's three scenarios: which Locust user classes each runs, and the routes it must hit.

Kept free of Locust (and so of gevent, which patches the standard library when it is imported):
the runner and the pytest check read it in a plain process, and only the Locust process imports
tests/load/locustfile.py. A route is "METHOD /template", the name every request is recorded under,
so that the ids in a URL do not split one route into as many rows as there are products.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    user_classes: tuple[str, ...]
    routes: tuple[str, ...]


BROWSE = Scenario(
    "browse",
    "browse-heavy mix: guests read the catalog and keep carts; customers also check out and pay",
    ("CatalogBrowser", "Shopper"),
    (
        "POST /auth/guest",
        "POST /auth/register",
        "GET /categories",
        "GET /products",
        "GET /products?category_id=",
        "GET /products?q=",
        "GET /products/{id}",
        "GET /cart",
        "POST /cart/items",
        "PUT /cart/items/{product_id}",
        "DELETE /cart/items/{product_id}",
        "DELETE /cart",
        "POST /checkout",
        "POST /orders/{id}/payments",
        "GET /orders/{id}",
        "GET /orders",
    ),
)
FLASH = Scenario(
    "flash",
    "flash sale: many customers buy one hot product of limited stock at the same moment, and a login storm",
    ("FlashBuyer", "LoginStormer"),
    (
        "POST /auth/register",
        "POST /cart/items",
        "POST /checkout",
        "POST /orders/{id}/payments",
        "GET /products/{id}",
        "POST /auth/login",
        "GET /auth/me",
        "POST /auth/refresh",
    ),
)
ADMIN = Scenario(
    "admin",
    "back office: admins list orders, inventory, users, stats and audit, adjust stock and ship "
    "paid orders, while a few customers keep placing them",
    ("BackOfficeAdmin", "OrderPlacer"),
    (
        "POST /auth/login",
        "GET /admin/orders",
        "GET /admin/orders?status=PAID",
        "GET /admin/inventory?below=",
        "GET /admin/inventory/{product_id}",
        "POST /admin/inventory/{product_id}/adjustments",
        "GET /admin/users",
        "GET /admin/stats/sales",
        "GET /admin/audit",
        "POST /admin/orders/{id}/shipments",
        "POST /checkout",
        "POST /orders/{id}/payments",
    ),
)
SCENARIOS = {scenario.name: scenario for scenario in (BROWSE, FLASH, ADMIN)}
