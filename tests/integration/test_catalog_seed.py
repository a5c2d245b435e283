"""The demo catalog seeds once: a second run adds nothing and changes no stock."""

import pytest

from shop.bootstrap import build_product_service
from shop_local.provisioning.seed import PRODUCTS, seed_demo_catalog

pytestmark = pytest.mark.integration


def _demo(products):
    skus = {sku for sku, *_ in PRODUCTS}
    found, cursor = [], None
    while True:
        page = products.list_products(False, None, None, 100, cursor)
        found += [p for p in page.items if p.sku in skus]
        if not (cursor := page.next_cursor):
            return sorted((p.sku, p.stock_available, p.price_cents) for p in found)


def test_seeding_twice_gives_one_active_demo_catalog(stack):
    seed_demo_catalog()
    products = build_product_service()
    first = _demo(products)
    seed_demo_catalog()
    assert _demo(products) == first == sorted((sku, stock, price) for sku, _, price, _, stock in PRODUCTS)
