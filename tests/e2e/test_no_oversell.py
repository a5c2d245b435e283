"""No oversell over HTTP: 200 customers check out one product with 50 in stock at the same moment.

The whole path a client sees (gateway, authorizer, idempotency, checkout's transaction) on the
serialised emulator: exactly 50 orders, each its buyer's, 150 clean 409 OUT_OF_STOCK with their
details, and the levels (0, 50, 0). The rate is printed (`-s`); the same sale
runs on DynamoDB Local in tests/dynamodb_local/test_no_oversell_http.py (helpers: tests/conftest.py).
"""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
BUYERS, STOCK = 200, 50


def test_two_hundred_concurrent_checkouts_sell_exactly_the_stock(local_shop, admin_token, hot_sale):
    sale = hot_sale(local_shop.url, admin_token)
    product_id = sale.product(STOCK)
    buyers = sale.buyers(product_id, BUYERS)
    sale.warm_checkout()
    assert sale.levels(product_id) == (STOCK, 0, 0)

    answers, seconds = sale.all_at_once(buyers)

    sale.assert_sold_exactly(product_id, STOCK, buyers, answers)
    print(
        f"\nmoto server, over HTTP: {BUYERS} concurrent checkouts of one hot product in {seconds:.2f} s: "
        f"{BUYERS / seconds:.1f} checkouts/s, {STOCK / seconds:.1f} orders/s"
    )
