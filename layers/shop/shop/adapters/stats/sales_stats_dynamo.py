"""Sales statistics on StatsTable: per-order tallies and per-day aggregates, moved in one transaction.

Items: `ORDER#<id>/TALLY` (the order's tally, versioned, with the seqs of the events projected: the
consumer's processed marker, so no marker item of its own is written), `SALES/DAY#<date>` (orders_count,
revenue_cents, `status_<STATUS>` counts) and `SALES/DAY#<date>#PRODUCT#<id>` (name, units,
revenue_cents). Aggregates only ever move by ADD, so concurrent events of different orders commute;
the report reads them back with one Query (sales_stats_dynamo_days).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from shop.adapters.busy_transactions import transact_write
from shop.adapters.dynamo_codec import from_item, to_item
from shop.domain.sales_stats import DayChange, OrderTally, ProductSale, Projection, Sale
from shop.services.sales_stats import StaleTally

SALES_PK = "SALES"
STATUS_PREFIX = "status_"


def tally_key(order_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": "TALLY"}}


def _sale_item(sale: Sale | None) -> dict[str, Any] | None:
    if sale is None:
        return None
    products = {
        pid: {"name": p.name, "units": p.units, "revenue_cents": p.revenue_cents}
        for pid, p in sale.products.items()
    }
    return {"orders": sale.orders, "revenue_cents": sale.revenue_cents, "products": products}


def _sale(raw: Any) -> Sale | None:
    if raw is None:
        return None
    products = {
        str(pid): ProductSale(str(p["name"]), int(p["units"]), int(p["revenue_cents"]))
        for pid, p in raw.get("products", {}).items()
    }
    return Sale(int(raw["orders"]), int(raw["revenue_cents"]), products)


class DynamoSalesStats:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db, self._table = dynamodb, table

    def tally(self, order_id: str) -> OrderTally:
        answer = self._db.get_item(TableName=self._table, Key=tally_key(order_id), ConsistentRead=True)
        if "Item" not in answer:
            return OrderTally(order_id)
        item = from_item(answer["Item"])
        return OrderTally(
            order_id=order_id,
            version=int(item["version"]),
            applied=frozenset(int(seq) for seq in item.get("applied", ())),
            status=item.get("status"),
            status_seq=int(item.get("status_seq", 0)),
            created_day=item.get("created_day"),
            paid_day=item.get("paid_day"),
            payment=_sale(item.get("payment")),
            refund=_sale(item.get("refund")),
        )

    def commit(self, projection: Projection) -> None:
        writes = [self._put_tally(projection.before, projection.after)]
        for day, change in projection.days.items():
            writes.append(self._move_day(day, change))
            writes.extend(self._move_product(day, pid, sold) for pid, sold in change.sale.products.items())
        try:
            transact_write(self._db, writes)
        except ClientError as exc:
            reasons = exc.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                raise StaleTally(f"tally of order {projection.after.order_id} changed") from exc
            raise

    def _put_tally(self, before: OrderTally, after: OrderTally) -> dict[str, Any]:
        item = to_item(
            {
                "entity": "order_tally",
                "order_id": after.order_id,
                "version": after.version,
                "applied": set(after.applied) or None,
                "status": after.status,
                "status_seq": after.status_seq,
                "created_day": after.created_day,
                "paid_day": after.paid_day,
                "payment": _sale_item(after.payment),
                "refund": _sale_item(after.refund),
            }
        ) | tally_key(after.order_id)
        put: dict[str, Any] = {"TableName": self._table, "Item": item}
        if before.version == 0:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :version"
            put["ExpressionAttributeValues"] = {":version": {"N": str(before.version)}}
        return {"Put": put}

    def _move_day(self, day: str, change: DayChange) -> dict[str, Any]:
        names = {"#day": "day"} | {f"#s{i}": STATUS_PREFIX + s for i, s in enumerate(change.statuses)}
        values = {
            ":day": {"S": day},
            ":orders": {"N": str(change.sale.orders)},
            ":revenue": {"N": str(change.sale.revenue_cents)},
        } | {f":s{i}": {"N": str(n)} for i, n in enumerate(change.statuses.values())}
        adds = ["orders_count :orders", "revenue_cents :revenue"] + [
            f"#s{i} :s{i}" for i in range(len(change.statuses))
        ]
        return self._update(f"DAY#{day}", f"SET #day = :day ADD {', '.join(adds)}", names, values)

    def _move_product(self, day: str, product_id: str, sold: ProductSale) -> dict[str, Any]:
        names = {"#day": "day", "#name": "name"}
        values = {
            ":day": {"S": day},
            ":pid": {"S": product_id},
            ":name": {"S": sold.name},
            ":units": {"N": str(sold.units)},
            ":revenue": {"N": str(sold.revenue_cents)},
        }
        expression = (
            "SET #day = :day, product_id = :pid, #name = :name ADD units :units, revenue_cents :revenue"
        )
        return self._update(f"DAY#{day}#PRODUCT#{product_id}", expression, names, values)

    def _update(
        self, sk: str, expression: str, names: dict[str, str], values: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table,
                "Key": {"pk": {"S": SALES_PK}, "sk": {"S": sk}},
                "UpdateExpression": expression,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }
