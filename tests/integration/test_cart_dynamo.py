"""Carts on the emulator's CartsTable: limits under concurrency, merge atomicity, expiry, checkout helpers."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shop.adapters.aws import client
from shop.adapters.carts.carts_dynamo import cart_key
from shop.adapters.catalog.catalog_dynamo import stock_key
from shop.adapters.catalog.stock_shards_dynamo import shard_levels
from shop.bootstrap import (
    build_cart_service,
    build_cart_store,
    build_category_service,
    build_guest_cart_merge,
    build_inventory_service,
    build_product_service,
)
from shop.config import settings
from shop.domain.callers import Caller
from shop.domain.cart import MAX_LINES, CartChanged, CartOwner
from shop.errors import CartFull, ShopError, ValidationFailed

pytestmark = pytest.mark.integration
ADMIN = Caller(id="admin-it", role="admin", request_id="it")
WEEK = 7 * 24 * 3600


@pytest.fixture(scope="module")
def shelf(stack):
    """60 ACTIVE products with 1000 in stock each (more than a cart's 50 lines)."""
    tag = uuid.uuid4().hex[:8]
    category = build_category_service().create_category(ADMIN, "Cart test", f"cart-{tag}")
    ids = []
    for i in range(60):
        product = build_product_service().create_product(
            ADMIN, sku=f"CRT-{tag}-{i}", name=f"Item {i}", price_cents=100 + i,
            category_id=category.id, status="ACTIVE",
        )  # fmt: skip
        build_inventory_service().adjust_stock(ADMIN, product.id, 1000, "initial count")
        ids.append(product.id)
    return ids


def owner(guest: bool = False) -> CartOwner:
    return CartOwner(("g_" if guest else "u_") + uuid.uuid4().hex[:16], is_guest=guest)


def raw_item(owner_id: str) -> dict[str, Any]:
    got = client("dynamodb").get_item(TableName=settings().carts_table, Key=cart_key(owner_id))
    return got.get("Item", {})


def test_guest_carts_expire_a_week_after_each_change_and_user_carts_never(shelf):
    carts, guest, user = build_cart_service(), owner(guest=True), owner()
    carts.add_item(guest, shelf[0], 1)
    carts.add_item(user, shelf[0], 1)
    expiry = int(raw_item(guest.id)["expires_at"]["N"])
    assert abs(expiry - (time.time() + WEEK)) < 60
    assert "expires_at" not in raw_item(user.id)
    build_guest_cart_merge().merge_guest_cart(guest.id, user.id)
    assert "expires_at" not in raw_item(user.id) and raw_item(guest.id) == {}


def test_concurrent_adds_of_new_lines_stop_at_exactly_50(shelf):
    store, cart_owner = build_cart_store(), owner()

    def add(pid: str) -> str:
        try:
            store.add_line(cart_owner, pid, 1, datetime.now(UTC))
            return "added"
        except CartFull:
            return "full"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(add, shelf))
    assert outcomes.count("added") == MAX_LINES and outcomes.count("full") == len(shelf) - MAX_LINES
    stored = store.get(cart_owner.id)
    assert len(stored.lines) == MAX_LINES and len(raw_item(cart_owner.id)["products"]["SS"]) == MAX_LINES


def test_concurrent_adds_to_one_line_never_pass_99(shelf):
    carts, cart_owner = build_cart_service(), owner()

    def add(_: int) -> str:
        try:
            carts.add_item(cart_owner, shelf[1], 7)
            return "added"
        except ValidationFailed:
            return "refused"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(add, range(20)))
    assert outcomes.count("added") == 14  # 14 * 7 = 98; a 15th would make 105
    assert carts.view(cart_owner).items[0].quantity == 98


def test_a_refused_line_is_undone_in_storage(shelf):
    carts, cart_owner = build_cart_service(), owner()
    carts.add_item(cart_owner, shelf[2], 5)
    with pytest.raises(ValidationFailed):
        carts.add_item(cart_owner, shelf[2], 95)  # 100 a line: refused by the write's own condition
    build_inventory_service().adjust_stock(ADMIN, shelf[3], -995, "shrinkage")  # 5 left
    with pytest.raises(ShopError) as short:
        carts.add_item(cart_owner, shelf[3], 6)  # a new line, written then undone
    assert short.value.code == "INSUFFICIENT_STOCK"
    carts.add_item(cart_owner, shelf[3], 3)
    with pytest.raises(ShopError) as short_again:
        carts.add_item(cart_owner, shelf[3], 3)  # an existing line, put back to 3
    assert short_again.value.code == "INSUFFICIENT_STOCK"
    lines = {line.product_id: line.quantity for line in build_cart_store().get(cart_owner.id).lines}
    assert lines == {shelf[2]: 5, shelf[3]: 3}


def test_an_undo_leaves_a_line_changed_since_and_a_prune_never_brings_back_a_gone_cart(shelf):
    store, cart_owner, now = build_cart_store(), owner(), datetime.now(UTC)
    before, after = store.add_line(cart_owner, shelf[4], 3, now)
    written = after.line(shelf[4])
    assert written is not None and before.line(shelf[4]) is None
    store.set_line(cart_owner, shelf[4], 4, now)  # another request, between the write and its undo
    store.restore_line(cart_owner, shelf[4], None, written, now)  # finds 4, not the 3 it wrote
    assert {line.product_id: line.quantity for line in store.get(cart_owner.id).lines} == {shelf[4]: 4}
    store.empty(cart_owner.id)  # checkout took the cart
    store.remove_lines(cart_owner, [shelf[4]], now)
    assert raw_item(cart_owner.id) == {}


def test_a_line_past_the_first_stock_shard_is_checked_against_every_shard(shelf):
    """A cart reads a product's other stock shards only for a line its first shard cannot hold,
    and then accepts or refuses on the sum, which the refusal gives as what is available."""
    carts, cart_owner, product = build_cart_service(), owner(), shelf[4]
    build_inventory_service().adjust_stock(ADMIN, product, -950, "shrinkage")  # 50 left, over 16 shards
    first = client("dynamodb").get_item(
        TableName=settings().catalog_table, Key=stock_key(product, 0), ConsistentRead=True
    )["Item"]
    assert shard_levels(first).available < 40
    assert carts.add_item(cart_owner, product, 40).item_count == 40
    with pytest.raises(ShopError) as short:
        carts.add_item(cart_owner, product, 11)
    assert short.value.code == "INSUFFICIENT_STOCK"
    assert short.value.details == [{"product_id": product, "requested": 51, "available": 50}]


def test_a_merge_writes_both_carts_or_neither(shelf):
    store, merge = build_cart_store(), build_guest_cart_merge()
    guest, user = owner(guest=True), owner()
    store.add_line(guest, shelf[4], 2, datetime.now(UTC))
    store.add_line(user, shelf[4], 1, datetime.now(UTC))
    stale_guest, stale_user = store.get_pair(guest.id, user.id)
    store.add_line(user, shelf[5], 1, datetime.now(UTC))  # the user's cart moves on
    with pytest.raises(CartChanged):
        store.save_merge(stale_user, stale_user.lines, stale_guest, datetime.now(UTC))
    assert store.get(guest.id) == stale_guest  # the guest cart was not deleted either
    merge.merge_guest_cart(guest.id, user.id)
    merged = {line.product_id: line.quantity for line in store.get(user.id).lines}
    assert merged == {shelf[4]: 3, shelf[5]: 1} and store.get(guest.id).lines == ()
    merge.merge_guest_cart(guest.id, user.id)  # a second merge is harmless
    assert {line.product_id: line.quantity for line in store.get(user.id).lines} == merged


def test_concurrent_merges_and_adds_lose_and_double_nothing(shelf):
    store, merge = build_cart_store(), build_guest_cart_merge()
    guest, user = owner(guest=True), owner()
    for pid in shelf[10:15]:
        store.add_line(guest, pid, 2, datetime.now(UTC))

    def work(i: int) -> None:
        if i % 2:
            merge.merge_guest_cart(guest.id, user.id)
        else:
            store.add_line(user, shelf[20], 1, datetime.now(UTC))

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(work, range(12)))
    lines = {line.product_id: line.quantity for line in store.get(user.id).lines}
    assert lines == {**{pid: 2 for pid in shelf[10:15]}, shelf[20]: 6}
    assert raw_item(guest.id) == {}


def test_checkout_reads_lines_with_a_version_and_empties_only_that_version(shelf):
    store, cart_owner = build_cart_store(), owner()
    assert store.get_cart_for_checkout(cart_owner.id) == ([], None)
    store.add_line(cart_owner, shelf[6], 2, datetime.now(UTC))
    store.add_line(cart_owner, shelf[7], 1, datetime.now(UTC))
    lines, version = store.get_cart_for_checkout(cart_owner.id)
    assert lines == [(shelf[6], 2), (shelf[7], 1)] and version
    store.add_line(cart_owner, shelf[7], 1, datetime.now(UTC))  # changed after checkout read it
    dynamodb = client("dynamodb")
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(TransactItems=[store.cart_delete_item(cart_owner.id, version)])
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    _, current = store.get_cart_for_checkout(cart_owner.id)
    assert current is not None and current != version
    dynamodb.transact_write_items(TransactItems=[store.cart_delete_item(cart_owner.id, current)])
    assert store.get_cart_for_checkout(cart_owner.id) == ([], None)


def test_a_full_cart_drops_lines_of_archived_products_to_make_room(shelf):
    carts, store, cart_owner = build_cart_service(), build_cart_store(), owner()
    for pid in shelf[:MAX_LINES]:
        store.add_line(cart_owner, pid, 1, datetime.now(UTC))
    with pytest.raises(CartFull):
        carts.add_item(cart_owner, shelf[MAX_LINES], 1)
    build_product_service().archive_product(ADMIN, shelf[MAX_LINES - 1])  # run last: shelf is shared
    assert len(carts.view(cart_owner).items) == MAX_LINES - 1  # hidden at once
    cart = carts.add_item(cart_owner, shelf[MAX_LINES], 1)
    stored = {line.product_id for line in store.get(cart_owner.id).lines}
    assert len(cart.items) == MAX_LINES and len(stored) == MAX_LINES
    assert shelf[MAX_LINES - 1] not in stored and shelf[MAX_LINES] in stored
