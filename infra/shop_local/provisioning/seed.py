"""Demo catalog for the local shop: a few categories and a dozen ACTIVE products with stock.

Idempotent: a category whose slug exists is reused, a product whose SKU exists is left alone
(its stock too), so running it on every start never duplicates anything. It goes through the
services (uniqueness, counts, audit) exactly like an admin would; the audit actor is "system".
"""

from __future__ import annotations

from shop.bootstrap import build_category_service, build_inventory_service, build_product_service
from shop.domain.callers import SYSTEM
from shop.errors import SkuTaken, SlugTaken

# slug: (name, parent slug)
CATEGORIES: dict[str, tuple[str, str | None]] = {
    "kitchen": ("Kitchen", None),
    "mugs": ("Mugs", "kitchen"),
    "plates": ("Plates", "kitchen"),
    "office": ("Office", None),
    "notebooks": ("Notebooks", "office"),
}

# sku, name, price in cents, category slug, stock
PRODUCTS: list[tuple[str, str, int, str, int]] = [
    ("MUG-BLUE-350", "Blue mug 350 ml", 1299, "mugs", 40),
    ("MUG-RED-350", "Red mug 350 ml", 1299, "mugs", 25),
    ("MUG-TRAVEL-450", "Travel mug 450 ml", 2499, "mugs", 12),
    ("MUG-ESPRESSO-2", "Espresso cups, set of 2", 1799, "mugs", 3),
    ("PLATE-DINNER-27", "Dinner plate 27 cm", 1499, "plates", 60),
    ("PLATE-SIDE-20", "Side plate 20 cm", 999, "plates", 48),
    ("BOWL-CEREAL-16", "Cereal bowl 16 cm", 1199, "plates", 30),
    ("PLATE-SERVING-35", "Serving platter 35 cm", 3499, "plates", 4),
    ("NOTE-A5-DOT", "A5 notebook, dotted", 1599, "notebooks", 80),
    ("NOTE-A5-LINED", "A5 notebook, lined", 1599, "notebooks", 75),
    ("NOTE-A4-PLAIN", "A4 sketchbook, plain", 2199, "notebooks", 20),
    ("PEN-GEL-BLACK", "Gel pen, black, pack of 3", 649, "office", 150),
]


def _category_ids() -> dict[str, str]:
    categories = build_category_service()
    for slug, (name, parent) in CATEGORIES.items():
        existing = {c.slug: c.id for c in categories.list_categories()}
        if slug in existing:
            continue
        try:
            categories.create_category(SYSTEM, name, slug, existing[parent] if parent else None)
        except SlugTaken:
            continue  # created concurrently by another seeder: fine
    return {c.slug: c.id for c in categories.list_categories()}


def seed_demo_catalog() -> None:
    """Create what is missing of the demo catalog (the environment must already point at the stack)."""
    category_ids = _category_ids()
    products, inventory = build_product_service(), build_inventory_service()
    for sku, name, price_cents, slug, stock in PRODUCTS:
        try:
            product = products.create_product(
                SYSTEM,
                sku=sku,
                name=name,
                price_cents=price_cents,
                category_id=category_ids[slug],
                status="ACTIVE",
            )
        except SkuTaken:
            continue
        inventory.adjust_stock(SYSTEM, product.id, stock, "demo catalog: opening stock")
