"""Cart rules without storage: quantities, line changes, pricing, line checks and merging."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shop.domain.cart import (
    MAX_LINES,
    CartLine,
    CartOwner,
    StoredCart,
    check_quantity,
    expires_at,
    merge_lines,
    with_quantity,
)
from shop.domain.cart_pricing import check_line, price_cart, stale_lines
from shop.domain.catalog import Product
from shop.errors import CurrencyMismatch, InsufficientStock, NotFound, ValidationFailed

BAD_QUANTITIES = [0, -1, 100, 10**9, "2", 2.5, 2.0, True, False, None]


def product(pid: str, price: int = 1000, **overrides: object) -> Product:
    base = Product(
        id=pid, sku=f"SKU-{pid}", name=f"Name {pid}", description=None, price_cents=price, currency="USD",
        category_id="c1", status="ACTIVE", stock_available=10, created_at="t", updated_at="t",
    )  # fmt: skip
    return replace(base, **overrides)  # type: ignore[arg-type]


def line(pid: str, quantity: int = 1, added_at: str = "2025-01-01T00:00:00.000Z") -> CartLine:
    return CartLine(pid, quantity, added_at)


@pytest.mark.parametrize("bad", BAD_QUANTITIES)
def test_a_quantity_is_strictly_a_whole_number_from_1_to_99(bad: object) -> None:
    with pytest.raises(ValidationFailed) as raised:
        check_quantity(bad)
    assert raised.value.details == [{"field": "body.quantity", "message": "must be a whole number, 1..99"}]


@pytest.mark.parametrize("good", [1, 42, 99])
def test_good_quantities_pass(good: int) -> None:
    assert check_quantity(good) == good


def test_zero_is_allowed_only_where_it_removes_a_line() -> None:
    assert check_quantity(0, allow_zero=True) == 0
    for bad in (-1, 100, True, "0"):
        with pytest.raises(ValidationFailed):
            check_quantity(bad, allow_zero=True)


def test_only_guest_carts_expire_a_week_after_their_last_change() -> None:
    now = datetime(2025, 3, 1, tzinfo=UTC)
    assert expires_at(CartOwner("g_1", is_guest=True), now) == int(now.timestamp()) + 7 * 24 * 3600
    assert expires_at(CartOwner("u_1", is_guest=False), now) is None


def test_setting_a_quantity_keeps_when_the_line_was_added_and_zero_removes_it() -> None:
    cart = StoredCart("u", (line("a", 2, "t1"), line("b", 1, "t2")), "v", "t2")
    assert with_quantity(cart, "a", 5, "t9") == (line("a", 5, "t1"), line("b", 1, "t2"))
    assert with_quantity(cart, "c", 1, "t3")[-1] == line("c", 1, "t3")
    assert with_quantity(cart, "a", 0, "t9") == (line("b", 1, "t2"),)


def test_a_cart_is_priced_with_current_prices_oldest_line_first() -> None:
    cart = StoredCart("u", (line("b", 3, "t2"), line("a", 2, "t1")), "v", "t2")
    priced = price_cart(cart, {"a": product("a", 250), "b": product("b", 1999)})
    assert [(i.product_id, i.unit_price_cents, i.quantity, i.line_total_cents) for i in priced.items] == [
        ("a", 250, 2, 500),
        ("b", 1999, 3, 5997),
    ]
    assert (priced.item_count, priced.subtotal_cents, priced.currency) == (5, 6497, "USD")
    assert priced.items[0].sku == "SKU-a" and priced.items[0].name == "Name a"


def test_an_empty_cart_is_in_usd() -> None:
    priced = price_cart(StoredCart("u"), {})
    assert (priced.items, priced.item_count, priced.subtotal_cents, priced.currency) == ((), 0, 0, "USD")


def test_lines_nobody_can_buy_are_left_out_and_reported_stale() -> None:
    cart = StoredCart(
        "u", (line("gone", 1, "t0"), line("draft", 1, "t1"), line("eur", 1, "t3"), line("ok", 2, "t2")), "v"
    )
    products = {
        "draft": product("draft", status="ARCHIVED"),
        "eur": product("eur", currency="EUR"),
        "ok": product("ok", 300),
    }
    priced = price_cart(cart, products)
    assert [i.product_id for i in priced.items] == ["ok"] and priced.subtotal_cents == 600
    assert {s.product_id for s in stale_lines(cart, products)} == {"gone", "draft", "eur"}


def test_the_cart_currency_is_that_of_its_oldest_buyable_line() -> None:
    cart = StoredCart("u", (line("eur", 1, "t1"), line("usd", 1, "t2")), "v")
    priced = price_cart(cart, {"eur": product("eur", currency="EUR"), "usd": product("usd")})
    assert priced.currency == "EUR" and [i.product_id for i in priced.items] == ["eur"]


def test_a_written_line_needs_a_buyable_product_in_the_cart_currency_with_stock() -> None:
    priced = price_cart(StoredCart("u", (line("a"),), "v"), {"a": product("a")})
    check_line(priced, product("a", stock_available=3), "a", 3)
    with pytest.raises(NotFound):
        check_line(priced, None, "x", 1)
    with pytest.raises(NotFound):
        check_line(priced, product("a", status="DRAFT"), "a", 1)
    with pytest.raises(CurrencyMismatch) as mismatch:
        check_line(priced, product("e", currency="EUR"), "e", 1)
    assert mismatch.value.code == "CURRENCY_MISMATCH"
    with pytest.raises(InsufficientStock) as short:
        check_line(priced, product("a", stock_available=3), "a", 4)
    assert short.value.details == [{"product_id": "a", "requested": 4, "available": 3}]


def test_merging_adds_quantities_capped_at_99_and_keeps_the_users_lines_first() -> None:
    user = [line("a", 60, "t5"), line("b", 1, "t6")]
    guest = [line("a", 50, "t1"), line("c", 2, "t2")]
    assert merge_lines(user, guest) == (line("c", 2, "t2"), line("a", 99, "t5"), line("b", 1, "t6"))


def test_merging_into_a_nearly_full_cart_drops_the_guests_newest_lines() -> None:
    user = [line(f"u{i:02}", 1, f"t{i:02}") for i in range(MAX_LINES - 2)]
    guest = [line("g3", 1, "z3"), line("g1", 1, "z1"), line("u00", 4, "z0"), line("g2", 1, "z2")]
    merged = merge_lines(user, guest)
    assert len(merged) == MAX_LINES
    ids = {m.product_id for m in merged}
    assert {"g1", "g2"} <= ids and "g3" not in ids
    assert next(m for m in merged if m.product_id == "u00").quantity == 5
    assert merge_lines(user, guest) == merged  # deterministic


def test_merging_into_a_full_cart_only_adds_quantities() -> None:
    user = [line(f"u{i:02}", 98, f"t{i:02}") for i in range(MAX_LINES)]
    merged = merge_lines(user, [line("new", 1), line("u01", 5)])
    assert len(merged) == MAX_LINES and "new" not in {m.product_id for m in merged}
    assert next(m for m in merged if m.product_id == "u01").quantity == 99
