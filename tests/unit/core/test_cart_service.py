"""The cart use cases and the guest-cart merge against in-memory ports with the DynamoDB store's
conditions and versions (tests.fakes.MemoryCarts, MemoryProductCatalog)."""

from datetime import UTC, datetime, timedelta

import pytest

from shop.domain.cart import MAX_LINES, CartOwner, StoredCart
from shop.errors import CartFull, Conflict, CurrencyMismatch, InsufficientStock, NotFound, ValidationFailed
from shop.services.cart import CartService
from shop.services.cart_merge import MAX_ATTEMPTS, GuestCartMerge
from tests.fakes import MemoryCarts, MemoryProductCatalog

GUEST, USER = CartOwner("g_guest", is_guest=True), CartOwner("u_user", is_guest=False)
BAD_QUANTITIES = [0, -1, 100, 10**9, "2", 2.5, True]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def carts() -> MemoryCarts:
    return MemoryCarts()


@pytest.fixture
def catalog() -> MemoryProductCatalog:
    shelf = MemoryProductCatalog()
    for pid, price in (("a", 250), ("b", 1999)):
        shelf.add(pid, price)
    return shelf


@pytest.fixture
def service(carts: MemoryCarts, catalog: MemoryProductCatalog) -> CartService:
    return CartService(carts, catalog, Clock())


def lines_of(cart: StoredCart) -> dict[str, int]:
    return {line.product_id: line.quantity for line in cart.lines}


def test_a_new_cart_is_empty_in_usd_with_a_timestamp_and_costs_no_catalog_read(service, catalog) -> None:
    cart = service.view(GUEST)
    assert (cart.items, cart.item_count, cart.subtotal_cents, cart.currency) == ((), 0, 0, "USD")
    assert cart.updated_at and cart.updated_at.endswith("Z")
    assert catalog.reads == 0


def test_adding_adds_to_the_line_and_answers_the_priced_cart(service, carts, catalog) -> None:
    service.add_item(USER, "a", 2)
    cart = service.add_item(USER, "a", 3)
    assert [(i.product_id, i.quantity, i.line_total_cents) for i in cart.items] == [("a", 5, 1250)]
    assert (cart.item_count, cart.subtotal_cents) == (5, 1250)
    assert catalog.reads == 2 and carts.writes == 2  # one write and one catalog read per add


def test_every_read_uses_the_current_price(service, catalog) -> None:
    service.add_item(USER, "a", 2)
    catalog.add("a", 300)
    assert service.view(USER).subtotal_cents == 600


@pytest.mark.parametrize("bad", BAD_QUANTITIES)
def test_bad_quantities_are_refused_before_anything_is_written(service, carts, bad) -> None:
    with pytest.raises(ValidationFailed):
        service.add_item(USER, "a", bad)
    if bad != 0:
        with pytest.raises(ValidationFailed):
            service.set_quantity(USER, "a", bad)
    assert carts.writes == 0


def test_adding_past_99_on_a_line_is_a_400_naming_quantity_and_changes_nothing(service, carts) -> None:
    service.add_item(USER, "a", 90)
    with pytest.raises(ValidationFailed) as raised:
        service.add_item(USER, "a", 10)
    assert raised.value.details[0]["field"] == "body.quantity"
    assert lines_of(carts.get(USER.id)) == {"a": 90}
    assert service.add_item(USER, "a", 9).item_count == 99


def test_setting_a_quantity_replaces_it_and_zero_removes_the_line(service) -> None:
    service.add_item(USER, "a", 5)
    assert service.set_quantity(USER, "a", 2).item_count == 2
    assert service.set_quantity(USER, "b", 1).item_count == 3  # sets a line that was not there
    assert [i.product_id for i in service.set_quantity(USER, "a", 0).items] == ["b"]
    assert service.set_quantity(USER, "a", 0).item_count == 1  # a line not there: the cart as it is


@pytest.mark.parametrize("status", ["DRAFT", "ARCHIVED", None])
def test_removing_a_line_of_a_product_off_sale_works_and_naming_one_not_in_the_cart_is_404(
    service, carts, catalog, status
) -> None:
    """API.md: 404 for an unknown or non-active product. A line already in the cart always goes (its
    product may have gone off sale since, which hides the line); one that is not there is a 404."""
    catalog.add("x")
    service.add_item(USER, "a", 1)
    service.add_item(USER, "x", 2)
    if status:
        catalog.add("x", status=status)
    else:
        del catalog.items["x"]
    assert [i.product_id for i in service.remove_item(USER, "x").items] == ["a"]
    assert lines_of(carts.get(USER.id)) == {"a": 1}
    reads, writes = catalog.reads, carts.writes
    with pytest.raises(NotFound):
        service.remove_item(USER, "x")
    with pytest.raises(NotFound):
        service.set_quantity(USER, "x", 0)
    assert lines_of(carts.get(USER.id)) == {"a": 1} and carts.writes == writes
    assert catalog.reads == reads + 2  # one catalog read each, for the check and the answer together


@pytest.mark.parametrize("status", ["DRAFT", "ARCHIVED", None])
def test_an_unknown_or_inactive_product_is_a_404_and_leaves_the_cart_as_it_was(
    service, carts, catalog, status
) -> None:
    service.add_item(USER, "a", 1)
    if status:
        catalog.add("x", status=status)
    with pytest.raises(NotFound):
        service.add_item(USER, "x", 1)
    with pytest.raises(NotFound):
        service.set_quantity(USER, "x", 1)
    assert lines_of(carts.get(USER.id)) == {"a": 1}


def test_more_than_available_is_a_409_with_details_and_the_line_goes_back(service, carts, catalog) -> None:
    catalog.add("a", stock_available=5)
    service.add_item(USER, "a", 3)
    with pytest.raises(InsufficientStock) as raised:
        service.add_item(USER, "a", 3)
    assert raised.value.details == [{"product_id": "a", "requested": 6, "available": 5}]
    with pytest.raises(InsufficientStock):
        service.set_quantity(USER, "a", 6)
    assert lines_of(carts.get(USER.id)) == {"a": 3}


def test_a_refused_add_leaves_alone_what_another_request_wrote_to_the_line_meanwhile(
    service, carts, catalog, monkeypatch
) -> None:
    catalog.add("a", stock_available=5)
    service.add_item(USER, "a", 3)
    read = catalog.products

    def after_another_request(ids, **needs):  # the owner's other tab sets the line while we check
        carts.set_line(USER, "a", 4, datetime(2025, 3, 2, tzinfo=UTC))
        return read(ids, **needs)

    monkeypatch.setattr(catalog, "products", after_another_request)
    with pytest.raises(InsufficientStock):
        service.add_item(USER, "a", 3)  # 6 written, then refused: only our 6 may be taken back
    assert lines_of(carts.get(USER.id)) == {"a": 4}


def test_a_cart_holds_one_currency(service, carts, catalog) -> None:
    catalog.add("eur", currency="EUR")
    service.add_item(USER, "a", 1)
    with pytest.raises(CurrencyMismatch):
        service.add_item(USER, "eur", 1)
    assert lines_of(carts.get(USER.id)) == {"a": 1}
    assert service.add_item(GUEST, "eur", 1).currency == "EUR"


def test_the_51st_line_is_refused_but_an_unknown_product_is_still_a_404(service, carts, catalog) -> None:
    for i in range(MAX_LINES):
        catalog.add(f"p{i}")
        service.add_item(USER, f"p{i}", 1)
    with pytest.raises(CartFull):
        service.add_item(USER, "a", 1)
    with pytest.raises(NotFound):
        service.add_item(USER, "unknown", 1)
    assert service.add_item(USER, "p0", 1).item_count == MAX_LINES + 1  # existing lines still grow


def test_a_full_cart_makes_room_by_pruning_lines_nobody_can_buy(service, carts, catalog) -> None:
    for i in range(MAX_LINES):
        catalog.add(f"p{i}")
        service.add_item(USER, f"p{i}", 1)
    catalog.add("p7", status="ARCHIVED")
    cart = service.add_item(USER, "a", 1)
    assert len(carts.get(USER.id).lines) == MAX_LINES and "p7" not in lines_of(carts.get(USER.id))
    assert len(cart.items) == MAX_LINES


def test_pruning_a_full_cart_that_checkout_emptied_meanwhile_does_not_bring_it_back(
    service, carts, catalog, monkeypatch
) -> None:
    for i in range(MAX_LINES):
        catalog.add(f"p{i}")
        service.add_item(USER, f"p{i}", 1)
    catalog.add("p7", status="ARCHIVED")
    read = catalog.products

    def while_checking_out(ids, **needs):
        if len(ids) == MAX_LINES:  # the prune's read of the full cart: the order takes the cart
            carts.empty(USER.id)
        return read(ids, **needs)

    monkeypatch.setattr(catalog, "products", while_checking_out)
    writes = carts.writes
    service.add_item(USER, "a", 1)
    assert lines_of(carts.get(USER.id)) == {"a": 1}
    assert carts.writes == writes + 1  # the add itself: no empty cart was written back first


def test_only_guest_carts_get_an_expiry(service, carts) -> None:
    service.add_item(GUEST, "a", 1)
    service.add_item(USER, "a", 1)
    assert carts.expiry[USER.id] is None
    assert (
        carts.expiry[GUEST.id]
        == int(datetime.fromisoformat(carts.get(GUEST.id).updated_at or "").timestamp()) + 7 * 24 * 3600
    )


def test_each_owner_sees_only_their_own_cart_and_emptying_is_final(service) -> None:
    service.add_item(USER, "a", 1)
    assert service.view(GUEST).items == ()
    assert service.remove_item(USER, "b").item_count == 1
    service.empty(USER)
    assert service.view(USER).items == ()


# ---------------------------------------------------------------- merge_guest_cart
@pytest.fixture
def merge(carts: MemoryCarts) -> GuestCartMerge:
    sleeps: list[float] = []
    merger = GuestCartMerge(carts, Clock(), sleeps.append)
    merger.sleeps = sleeps  # type: ignore[attr-defined]
    return merger


def test_merge_adds_quantities_and_deletes_the_guest_cart(service, carts, merge) -> None:
    service.add_item(GUEST, "a", 60)
    service.add_item(GUEST, "b", 1)
    service.add_item(USER, "a", 50)
    merge.merge_guest_cart(GUEST.id, USER.id)
    assert lines_of(carts.get(USER.id)) == {"a": 99, "b": 1}
    assert GUEST.id not in carts.carts and carts.expiry[USER.id] is None


def test_merging_a_missing_or_empty_guest_cart_or_twice_changes_nothing(service, carts, merge) -> None:
    service.add_item(USER, "a", 1)
    version = carts.get(USER.id).version
    merge.merge_guest_cart(GUEST.id, USER.id)
    service.add_item(GUEST, "b", 2)
    merge.merge_guest_cart(GUEST.id, USER.id)
    merge.merge_guest_cart(GUEST.id, USER.id)
    assert lines_of(carts.get(USER.id)) == {"a": 1, "b": 2}
    assert carts.get(USER.id).version != version


def test_merge_retries_when_a_cart_changes_underneath_and_keeps_both_changes(service, carts, merge) -> None:
    service.add_item(GUEST, "a", 1)
    interfered: list[int] = []

    def user_adds_elsewhere() -> None:
        if not interfered:
            interfered.append(1)
            service.add_item(USER, "b", 4)

    carts.before_merge_save = user_adds_elsewhere
    merge.merge_guest_cart(GUEST.id, USER.id)
    assert lines_of(carts.get(USER.id)) == {"a": 1, "b": 4}
    assert len(merge.sleeps) == 1


def test_merge_gives_up_with_a_conflict_after_its_attempts(service, carts, merge) -> None:
    service.add_item(GUEST, "a", 1)
    carts.before_merge_save = lambda: service.add_item(USER, "b", 1)
    with pytest.raises(Conflict):
        merge.merge_guest_cart(GUEST.id, USER.id)
    assert len(merge.sleeps) == MAX_ATTEMPTS - 1 and all(
        0 <= s <= 1 for s in merge.sleeps
    )  # none after the last
    assert lines_of(carts.get(GUEST.id)) == {"a": 1}
