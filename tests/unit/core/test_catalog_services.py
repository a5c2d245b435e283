"""Catalog use cases against an in-memory catalog that keeps the same rules the DynamoDB stores keep."""

from dataclasses import replace

import pytest

from shop.backoff import MAX_ATTEMPTS
from shop.domain.callers import Caller
from shop.errors import CategoryNotEmpty, Conflict, NotFound, SkuTaken, SlugTaken, ValidationFailed
from shop.services.catalog_categories import CategoryService
from shop.services.catalog_products import ProductService
from tests.fakes import MemoryCatalog, RecordingAudit

ADMIN = Caller(id="admin-1", role="admin", request_id="req-1")


class Ids:
    def __init__(self):
        self.n = 0

    def __call__(self):
        self.n += 1
        return f"id{self.n}"


@pytest.fixture
def catalog():
    return MemoryCatalog()


@pytest.fixture
def audit():
    return RecordingAudit()


@pytest.fixture
def categories(catalog, audit):
    return CategoryService(catalog, audit, new_id=Ids(), sleep=lambda _: None)


@pytest.fixture
def products(catalog, audit):
    ids = Ids()
    return ProductService(
        catalog,
        audit,
        new_id=lambda: f"p-{ids()}",
        clock=lambda: "2025-01-01T00:00:00.000Z",
        sleep=lambda _: None,
    )


@pytest.fixture
def mugs(categories):
    return categories.create_category(ADMIN, "Mugs", "mugs")


def _product(products, category, **overrides):
    fields = {"sku": "MUG-1", "name": "Blue mug", "price_cents": 1299, "category_id": category.id} | overrides
    return products.create_product(ADMIN, **fields)


def _fields(raised):
    return [d["field"] for d in raised.value.details]


# ------------------------------------------------------------------ categories
def test_a_category_is_created_and_audited(categories, audit):
    created = categories.create_category(ADMIN, "Mugs", "mugs")
    assert categories.list_categories() == [created]
    assert audit.entries[-1] | {"details": None} == {
        "actor_id": "admin-1",
        "actor_role": "admin",
        "action": "category.create",
        "target_type": "category",
        "target_id": created.id,
        "request_id": "req-1",
        "details": None,
    }


@pytest.mark.parametrize("slug", ["Mugs", "mugs!", "-mugs", "mugs-", "mu--gs", "mu gs", "", "ü"])
def test_slugs_are_lowercase_words_joined_by_hyphens(categories, slug):
    with pytest.raises(ValidationFailed) as raised:
        categories.create_category(ADMIN, "Mugs", slug)
    assert _fields(raised) == ["body.slug"]


def test_a_slug_is_unique(categories, mugs):
    with pytest.raises(SlugTaken):
        categories.create_category(ADMIN, "Other mugs", "mugs")


def test_a_parent_must_exist(categories):
    with pytest.raises(ValidationFailed) as raised:
        categories.create_category(ADMIN, "Tea mugs", "tea-mugs", parent_id="nope")
    assert _fields(raised) == ["body.parent_id"]


def test_a_category_cannot_become_its_own_ancestor(categories, mugs):
    tea = categories.create_category(ADMIN, "Tea mugs", "tea-mugs", parent_id=mugs.id)
    small = categories.create_category(ADMIN, "Small tea mugs", "small-tea-mugs", parent_id=tea.id)
    for new_parent in (mugs.id, small.id):
        with pytest.raises(ValidationFailed) as raised:
            categories.update_category(ADMIN, mugs.id, {"parent_id": new_parent})
        assert _fields(raised) == ["body.parent_id"]
    assert categories.update_category(ADMIN, small.id, {"parent_id": None}).parent_id is None


def test_categories_nest_only_so_deep(categories):
    parent_id = None
    for depth in range(8):
        parent_id = categories.create_category(ADMIN, f"L{depth}", f"l{depth}", parent_id=parent_id).id
    with pytest.raises(ValidationFailed):
        categories.create_category(ADMIN, "Too deep", "too-deep", parent_id=parent_id)


def test_an_update_retries_a_stale_write_then_gives_up(categories, catalog, mugs):
    catalog.stale_writes = MAX_ATTEMPTS - 1
    assert categories.update_category(ADMIN, mugs.id, {"name": "Cups"}).name == "Cups"
    catalog.stale_writes = MAX_ATTEMPTS
    with pytest.raises(Conflict):
        categories.update_category(ADMIN, mugs.id, {"name": "Beakers"})


def test_every_catalog_write_reads_again_after_a_lost_race(categories, products, catalog, audit, mugs):
    """Parallel writes of one admin meet on the product or category and on the admin's audit
    chain: each lost race is read again (shop.backoff.retried), as far as the last attempt."""
    made: dict[str, str] = {}
    writes = [
        lambda: made.update(tea=categories.create_category(ADMIN, "Tea", "tea").id),
        lambda: categories.update_category(ADMIN, mugs.id, {"name": "Cups"}),
        lambda: made.update(mug=_product(products, mugs).id),
        lambda: products.update_product(ADMIN, made["mug"], {"price_cents": 999}),
        lambda: products.archive_product(ADMIN, made["mug"]),
        lambda: products.archive_product(ADMIN, made["mug"]),  # archived already: still done, no 409
        lambda: categories.delete_category(ADMIN, made["tea"]),
    ]
    for write in writes:
        catalog.stale_writes = MAX_ATTEMPTS - 1
        write()
        assert catalog.stale_writes == 0
    assert catalog.products[made["mug"]].status == "ARCHIVED" and made["tea"] not in catalog.categories
    assert catalog.products[made["mug"]].price_cents == 999


def test_an_empty_or_unknown_change_is_refused(categories, mugs):
    for changes in ({}, {"product_count": 3}):
        with pytest.raises(ValidationFailed):
            categories.update_category(ADMIN, mugs.id, changes)


def test_a_used_category_cannot_be_deleted_until_its_products_are_archived(categories, products, mugs):
    product = _product(products, mugs)
    with pytest.raises(CategoryNotEmpty):
        categories.delete_category(ADMIN, mugs.id)
    products.archive_product(ADMIN, product.id)
    categories.delete_category(ADMIN, mugs.id)
    with pytest.raises(NotFound):
        categories.delete_category(ADMIN, mugs.id)


# ------------------------------------------------------------------ products
def test_a_new_product_is_a_draft_in_usd_with_no_stock(products, mugs, audit):
    product = _product(products, mugs)
    assert (product.status, product.currency, product.stock_available) == ("DRAFT", "USD", 0)
    assert audit.entries[-1]["action"] == "product.create"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price_cents", 0),
        ("price_cents", -1),
        ("price_cents", 19.99),
        ("price_cents", "1999"),
        ("price_cents", True),
        ("currency", "usd"),
        ("currency", "EURO"),
        ("currency", "ABC"),  # three capitals, but no currency
        ("currency", "XXX"),  # ISO 4217's "no currency"
        ("status", "LIVE"),
        ("sku", ""),
        ("sku", "has space"),
        ("name", " "),
        ("name", "n" * 201),
        ("description", "d" * 5001),
    ],
)
def test_invalid_product_fields_are_named(products, mugs, field, value):
    with pytest.raises(ValidationFailed) as raised:
        _product(products, mugs, **{field: value})
    assert _fields(raised) == [f"body.{field}"]


def test_a_product_needs_an_existing_category(products):
    with pytest.raises(ValidationFailed):
        products.create_product(ADMIN, sku="X-1", name="X", price_cents=1, category_id="nope")


def test_skus_are_unique_regardless_of_case(products, mugs):
    first = _product(products, mugs, sku="MUG-1")
    with pytest.raises(SkuTaken):
        _product(products, mugs, sku="mug-1")
    second = _product(products, mugs, sku="MUG-2")
    with pytest.raises(SkuTaken):
        products.update_product(ADMIN, second.id, {"sku": "Mug-1"})
    assert products.update_product(ADMIN, first.id, {"sku": "mug-1"}).sku == "mug-1"


def test_only_admins_see_products_that_are_not_active(products, mugs):
    draft = _product(products, mugs, sku="D-1")
    active = _product(products, mugs, sku="A-1", status="ACTIVE")
    with pytest.raises(NotFound):
        products.get_product(draft.id, is_admin=False)
    assert products.get_product(draft.id, is_admin=True) == draft
    assert products.get_product(active.id, is_admin=False) == active
    assert [p.id for p in products.list_products(False, None, None, 20, None).items] == [active.id]
    assert len(products.list_products(True, None, None, 20, None).items) == 2
    products.archive_product(ADMIN, active.id)
    with pytest.raises(NotFound):
        products.get_product(active.id, is_admin=False)


def test_q_matches_part_of_the_name_in_any_case(products, mugs):
    _product(products, mugs, sku="A", name="Blue Mug", status="ACTIVE")
    _product(products, mugs, sku="B", name="Red plate", status="ACTIVE")
    names = [p.name for p in products.list_products(False, None, "  MUG ", 20, None).items]
    assert names == ["Blue Mug"]


def test_a_patch_changes_only_what_it_names(products, mugs):
    product = _product(products, mugs, description="Holds tea")
    changed = products.update_product(ADMIN, product.id, {"price_cents": 999, "description": None})
    assert replace(changed, updated_at=product.updated_at) == replace(
        product, price_cents=999, description=None, version=product.version + 1
    )


def test_moving_a_product_moves_its_category_use(categories, products, mugs):
    plates = categories.create_category(ADMIN, "Plates", "plates")
    product = _product(products, mugs)
    products.update_product(ADMIN, product.id, {"category_id": plates.id})
    categories.delete_category(ADMIN, mugs.id)
    with pytest.raises(CategoryNotEmpty):
        categories.delete_category(ADMIN, plates.id)


def test_unknown_products_are_not_found(products):
    for call in (
        lambda: products.get_product("nope", is_admin=True),
        lambda: products.update_product(ADMIN, "nope", {"name": "x"}),
        lambda: products.archive_product(ADMIN, "nope"),
    ):
        with pytest.raises(NotFound):
            call()
