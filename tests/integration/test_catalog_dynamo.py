"""The catalog adapters on the emulator: uniqueness, category use and paging hold under concurrency."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from shop.bootstrap import build_category_service, build_product_service
from shop.domain.callers import Caller
from shop.errors import CategoryNotEmpty, SkuTaken, SlugTaken, ValidationFailed

pytestmark = pytest.mark.integration
ADMIN = Caller(id="admin-it", role="admin", request_id="it")


def _tag() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def categories(stack):
    return build_category_service()


@pytest.fixture
def products(stack):
    return build_product_service()


@pytest.fixture
def category(categories):
    tag = _tag()
    return categories.create_category(ADMIN, f"Mugs {tag}", f"mugs-{tag}")


def _new(products, category, **fields):
    given = {"sku": f"SKU-{_tag()}", "name": f"Mug {_tag()}", "price_cents": 1299, "category_id": category.id}
    return products.create_product(ADMIN, **(given | fields))


def test_a_product_reads_back_as_written(products, category):
    created = _new(products, category, description="Stoneware", status="ACTIVE")
    assert products.get_product(created.id, is_admin=False) == created


def test_skus_and_slugs_are_unique(categories, products, category):
    first = _new(products, category)
    with pytest.raises(SkuTaken):
        _new(products, category, sku=first.sku.lower())
    second = _new(products, category)
    with pytest.raises(SkuTaken):
        products.update_product(ADMIN, second.id, {"sku": first.sku})
    products.update_product(ADMIN, first.id, {"sku": f"{first.sku}-NEW"})
    assert products.update_product(ADMIN, second.id, {"sku": first.sku}).sku == first.sku
    with pytest.raises(SlugTaken):
        categories.create_category(ADMIN, "Again", category.slug)
    moved = categories.update_category(ADMIN, category.id, {"slug": f"{category.slug}-x"})
    assert categories.create_category(ADMIN, "Again", category.slug).slug == category.slug
    with pytest.raises(SlugTaken):
        categories.update_category(ADMIN, category.id, {"slug": category.slug})
    assert moved in categories.list_categories()


def test_eight_concurrent_creates_of_one_sku_give_one_product(products, category):
    sku = f"RACE-{_tag()}"

    def create(_: int) -> str:
        try:
            _new(products, category, sku=sku)
        except SkuTaken:
            return "taken"
        return "created"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(create, range(8)))
    assert sorted(outcomes) == ["created"] + ["taken"] * 7


def test_a_category_in_use_cannot_be_deleted(categories, products, category):
    product = _new(products, category, status="ACTIVE")
    child = categories.create_category(ADMIN, "Child", f"child-{_tag()}", parent_id=category.id)
    with pytest.raises(CategoryNotEmpty):
        categories.delete_category(ADMIN, category.id)
    products.archive_product(ADMIN, product.id)
    with pytest.raises(CategoryNotEmpty):
        categories.delete_category(ADMIN, category.id)
    categories.delete_category(ADMIN, child.id)
    categories.delete_category(ADMIN, category.id)
    assert category.id not in {c.id for c in categories.list_categories()}
    with pytest.raises(ValidationFailed):
        products.update_product(ADMIN, product.id, {"status": "ACTIVE"})
    with pytest.raises(ValidationFailed):
        _new(products, category)


def test_a_move_that_would_close_a_cycle_is_refused(categories, category):
    child = categories.create_category(ADMIN, "Child", f"child-{_tag()}", parent_id=category.id)
    with pytest.raises(ValidationFailed):
        categories.update_category(ADMIN, category.id, {"parent_id": child.id})
    other = categories.create_category(ADMIN, "Other", f"other-{_tag()}")
    categories.update_category(ADMIN, child.id, {"parent_id": other.id})
    categories.delete_category(ADMIN, category.id)  # no longer has a child
    with pytest.raises(CategoryNotEmpty):
        categories.delete_category(ADMIN, other.id)


def _all_pages(products, limit, **query):
    sizes, ids, cursor = [], [], None
    while True:
        page = products.list_products(limit=limit, cursor=cursor, **query)
        sizes.append(len(page.items))
        ids += [p.id for p in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return sizes, ids


def test_45_products_page_as_20_20_5_without_duplicates(products, category):
    made = {_new(products, category, status="ACTIVE").id for _ in range(45)}
    sizes, ids = _all_pages(products, 20, is_admin=False, category_id=category.id, q=None)
    assert sizes == [20, 20, 5]
    assert len(ids) == len(set(ids)) and set(ids) == made


def test_admin_pages_span_every_status_and_q_pages_stay_full(products, category):
    statuses = ["DRAFT", "ACTIVE", "ARCHIVED"]
    for n in range(30):
        _new(products, category, status=statuses[n % 3], name=f"{'Blue' if n % 2 else 'Red'} mug {n:02d}")
    sizes, ids = _all_pages(products, 7, is_admin=True, category_id=category.id, q=None)
    assert sizes == [7, 7, 7, 7, 2] and len(set(ids)) == 30
    sizes, ids = _all_pages(products, 4, is_admin=True, category_id=category.id, q="BLUE")
    assert sizes == [4, 4, 4, 3] and len(set(ids)) == 15
    sizes, ids = _all_pages(products, 4, is_admin=False, category_id=category.id, q="blue")
    assert sizes == [4, 1]  # the 5 ACTIVE blue ones (odd n with n % 3 == 1)
