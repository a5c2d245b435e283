"""How the catalog lives in CatalogTable, and the transaction helper its stores share.

Items (pk / sk):
  CATEGORY#<id> / CATEGORY  a category; product_count (non-archived products in it) and child_count
                            (subcategories) are kept in the same transactions that change them,
                            so a delete conditioned on both being 0 is race-free.
                            gsi1: CATEGORIES / <name lowercased>#<id>  (all categories, by name)
  SLUG#<slug> / GUARD       makes slugs unique: written with attribute_not_exists in the same
                            transaction as the category.
  PRODUCT#<id> / PRODUCT    a product: its catalog fields and `stock_shards` (N), no stock levels, so
                            a stock move never re-projects it into gsi1 and gsi2.
                            gsi1: PRODUCTS#<status> / <name lowercased>#<id>
                            gsi2: CATEGORY#<category id>#<status> / <name lowercased>#<id>
  PRODUCT#<id> / STOCK#<k>  shard k (0..N-1) of its stock: available, reserved, sold, and copies of the
                            product's status and price_cents that a reservation checks (written in
                            the transaction that changes the product). One Query on pk reads a
                            product with its shards (shop.domain.stock_shards says how they are used).
                            stock: STOCK / available, KEYS_ONLY  (low-stock report)
  SKU#<SKU uppercased> / GUARD  makes SKUs unique, like the slug guard.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from botocore.exceptions import ClientError

from shop.adapters.busy_transactions import AuditPuts, ChainRaceLost, transact_write
from shop.adapters.dynamo_codec import AttrMap
from shop.domain.catalog import StaleWrite
from shop.errors import Conflict

Failure = Callable[[AttrMap | None], Exception]

GUARD = "GUARD"
STOCK_PREFIX = "STOCK#"


def category_key(category_id: str) -> AttrMap:
    return {"pk": {"S": f"CATEGORY#{category_id}"}, "sk": {"S": "CATEGORY"}}


def product_key(product_id: str) -> AttrMap:
    return {"pk": {"S": f"PRODUCT#{product_id}"}, "sk": {"S": "PRODUCT"}}


def stock_key(product_id: str, shard: int) -> AttrMap:
    return {"pk": {"S": f"PRODUCT#{product_id}"}, "sk": {"S": f"{STOCK_PREFIX}{shard:02d}"}}


def slug_key(slug: str) -> AttrMap:
    return {"pk": {"S": f"SLUG#{slug}"}, "sk": {"S": GUARD}}


def sku_guard_key(sku_key: str) -> AttrMap:
    return {"pk": {"S": f"SKU#{sku_key}"}, "sk": {"S": GUARD}}


def name_order(name: str, item_id: str) -> str:
    """Sort key that lists by name, case-insensitively, with the id breaking ties."""
    return f"{name.casefold()[:200]}#{item_id}"


def transact(
    client: Any, items: Sequence[AttrMap], failures: Sequence[Failure | None], audit: AuditPuts | None = None
) -> None:
    """Run one TransactWriteItems; a failed condition on item i raises failures[i](old item or None).
    The audit entries recording the change, if any, are written in the same transaction.

    Every operation asks for ALL_OLD on failure so the failure can tell "gone" from "changed".
    A TransactionConflict (another transaction on the same item) is retried as it is a few times
    (shop.adapters.busy_transactions), then it is a StaleWrite: read and retry. So is an audit entry
    that kept losing its place in its chain (the same actor's other requests won it).
    """
    for item in items:
        next(iter(item.values()))["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    try:
        transact_write(client, items, audit=audit)
    except ChainRaceLost as exc:
        raise StaleWrite() from exc
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        reasons: list[dict[str, Any]] = list(exc.response.get("CancellationReasons") or [])  # type: ignore[arg-type]
        for reason, failure in zip(reasons, failures, strict=False):
            if reason.get("Code") == "ConditionalCheckFailed" and failure is not None:
                raise failure(reason.get("Item")) from exc
        if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
            raise StaleWrite() from exc
        raise Conflict("The request conflicts with a concurrent change; try again.") from exc


def stale(_: AttrMap | None) -> Exception:
    return StaleWrite()
