"""The one write the system makes to a shipped order: its ORDER item leaves gsi2's PAID partition.

Shipping writes only the admin's shipment item, which lists the order as SHIPPED (then DELIVERED)
in gsi2 from then on; the customer's ORDER item, which shipping never writes, still holds its
PAID entry. The order events publisher, on `shipment_created`, removes that entry (`gsi2pk`), on
condition that it is still PAID's, so the admin's `?status=PAID` list stays the orders to ship
instead of growing with every order ever shipped. Until it runs, the listing drops the order (its
composed status is SHIPPED), so a page may come back short for that moment.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from shop.adapters.dynamo_codec import to_item
from shop.adapters.orders.orders_dynamo_items import ORDER_SK, order_pk, status_partition


class DynamoPaidListing:
    def __init__(self, client: Any, table: str) -> None:
        self._client, self._table = client, table

    def leave_paid_listing(self, order_id: str) -> None:
        """Idempotent: an order no longer in PAID's partition (done before, or never there) is left as is."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item({"pk": order_pk(order_id), "sk": ORDER_SK}),
                UpdateExpression="REMOVE gsi2pk",
                ConditionExpression="gsi2pk = :paid",
                ExpressionAttributeValues=to_item({":paid": status_partition("PAID")}),
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
