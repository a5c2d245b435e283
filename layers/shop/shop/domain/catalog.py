"""Catalog rules: what a category and a product are, who may see a product, and which field values are valid.

The HTTP models check the same limits at the edge (for precise 400 details); these checks keep the
rules true for every other caller too (the seeder, future workers).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from shop.errors import Conflict, ValidationFailed

ProductStatus = Literal["DRAFT", "ACTIVE", "ARCHIVED"]
STATUSES: tuple[ProductStatus, ...] = get_args(ProductStatus)
PUBLIC_STATUSES: tuple[ProductStatus, ...] = ("ACTIVE",)

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
CURRENCY_RULE = "must be an ISO 4217 currency code in use, such as USD or EUR"
ISO_CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
    GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
    KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD
    NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
    SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS
    VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL""".split()  # noqa: SIM905 - a list of 159 quoted codes would be 160 lines
)
"""ISO 4217: the codes of the currencies in use as money (159); not the fund codes (such as USN or
CLF), precious metals, drawing rights, or the test and no-currency codes (XTS, XXX)."""
SLUG_MAX = 80
SKU_MAX = 64
NAME_MAX = 200
DESCRIPTION_MAX = 5000
QUERY_MAX = 100
PRICE_MAX_CENTS = 100_000_000
MAX_CATEGORY_DEPTH = 8


class StaleWrite(Exception):
    """The item changed between our read and our conditional write: read again and retry."""


def still_stale(what: str) -> Callable[[StaleWrite], Conflict]:
    """What a write that kept losing its races answers once it gives up (shop.backoff.retried)."""
    return lambda _: Conflict(f"The {what} changed concurrently; try again.")


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    slug: str
    parent_id: str | None
    version: int = 1


@dataclass(frozen=True)
class Product:
    id: str
    sku: str
    name: str
    description: str | None
    price_cents: int
    currency: str
    category_id: str
    status: ProductStatus
    stock_available: int
    created_at: str
    updated_at: str
    version: int = 1
    stock_shards: int = 1
    """How many stock shards hold its units (shop.domain.stock_shards); never shown to clients."""


def uses_category(status: ProductStatus) -> bool:
    """A product "uses" its category unless archived: archiving is the catalog's delete, so an
    archived product does not keep its category alive (it keeps the id for the record only)."""
    return status != "ARCHIVED"


def visible_statuses(is_admin: bool) -> tuple[ProductStatus, ...]:
    return STATUSES if is_admin else PUBLIC_STATUSES


def is_visible(product: Product, is_admin: bool) -> bool:
    return product.status in visible_statuses(is_admin)


def sku_key(sku: str) -> str:
    """SKUs are unique regardless of case: "ab-1" and "AB-1" would be the same label on a shelf."""
    return sku.upper()


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(details=[{"field": f"body.{field}", "message": message}])


def _check_text(field: str, value: str, max_len: int, pattern: str | None = None) -> None:
    if not value.strip() or len(value) > max_len:
        raise _bad(field, f"must be 1..{max_len} characters")
    if pattern and not re.fullmatch(pattern, value):
        raise _bad(field, f"must match {pattern}")


def check_category(category: Category) -> None:
    _check_text("name", category.name, NAME_MAX)
    _check_text("slug", category.slug, SLUG_MAX, SLUG_PATTERN)


def check_product(product: Product) -> None:
    _check_text("sku", product.sku, SKU_MAX, SKU_PATTERN)
    _check_text("name", product.name, NAME_MAX)
    if product.description is not None and len(product.description) > DESCRIPTION_MAX:
        raise _bad("description", f"must be at most {DESCRIPTION_MAX} characters")
    price = product.price_cents
    if type(price) is not int or not 0 < price <= PRICE_MAX_CENTS:
        raise _bad("price_cents", f"must be a whole number of cents, 1..{PRICE_MAX_CENTS}")
    if product.currency not in ISO_CURRENCIES:
        raise _bad("currency", CURRENCY_RULE)
    if product.status not in STATUSES:
        raise _bad("status", f"must be one of {', '.join(STATUSES)}")


def check_new_parent(category_id: str, ancestors: Sequence[Category]) -> None:
    """`ancestors` is the proposed parent followed by its own ancestors, nearest first."""
    if any(a.id == category_id for a in ancestors):
        raise _bad("parent_id", "would make the category its own ancestor")
    if len(ancestors) >= MAX_CATEGORY_DEPTH:
        raise _bad("parent_id", f"categories nest at most {MAX_CATEGORY_DEPTH} levels deep")


def unknown_reference(field: str, what: str) -> ValidationFailed:
    """A body naming a category that does not exist is bad input (400 naming the field), not a 404:
    the resource addressed by the URL is fine, one of its fields is not."""
    return _bad(field, f"no such {what}")
