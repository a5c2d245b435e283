"""The order store on OrdersTable: every change is ONE TransactWriteItems, reads are Queries.

An order's new state is written on condition that its stored `version` is still the seq before the
new events, and each event on condition that its seq is free: two writers that read the same
version cannot both append. Stock moves, payments and foreign elements (cart, idempotency record)
join the same transaction, and so does the owner's open-orders item when the order enters or
leaves PENDING_PAYMENT (shop.adapters.orders.orders_dynamo_transaction builds it). Item layouts:
shop.adapters.orders.orders_dynamo_items. With `addresses`, the store seals a new order's address and
opens it on reads; without, it reads orders with no address (None) and cannot create one (a
function with no KMS grant for order data).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shop.adapters.audit.audit_dynamo import AuditChains, sealing
from shop.adapters.batch_reads import get_items
from shop.adapters.busy_transactions import AUDIT_RACE_ATTEMPTS
from shop.adapters.dynamo_codec import AttrMap, to_item
from shop.adapters.dynamo_paging import every_item, scope_of
from shop.adapters.orders import orders_dynamo_items as items
from shop.adapters.orders.order_addresses import SealedAddresses
from shop.adapters.orders.orders_dynamo_items import (
    STATUS_INDEX,
    USER_INDEX,
    order_pk,
    status_partition,
    user_partition,
)
from shop.adapters.orders.orders_dynamo_paging import index_partition, orders_page
from shop.adapters.orders.orders_dynamo_transaction import OrderTransaction, refusal
from shop.backoff import retried
from shop.domain.order_lines import PostalAddress
from shop.domain.orders import Order
from shop.domain.paging import Page
from shop.services.order_ports import CommitRefused, OrderChange, OrderHistory


class DynamoOrderStore:
    def __init__(
        self,
        client: Any,
        orders_table: str,
        catalog_table: str,
        addresses: SealedAddresses | None = None,
        audit: AuditChains | None = None,
    ) -> None:
        self._client, self._table, self._catalog = client, orders_table, catalog_table
        self._addresses, self._audit = addresses, audit

    def get_order(self, order_id: str) -> Order | None:
        """The order item and its shipment item, in one consistent BatchGetItem."""
        keys = [items.order_key(order_id), items.fulfilment_key(order_id)]
        by_sk = {
            item["sk"]["S"]: item for item in get_items(self._client, self._table, keys, consistent=True)
        }
        if items.ORDER_SK not in by_sk:
            return None
        return self.order_from_item(by_sk[items.ORDER_SK], by_sk.get(items.FULFILMENT_SK))

    def order_from_item(self, raw: AttrMap, fulfilment: AttrMap | None = None) -> Order:
        """An order item as read, its address opened if this store may, and its fulfilment applied."""
        return items.compose(items.order_from_item(raw, self._address_of(raw)), fulfilment)

    def _address_of(self, raw: AttrMap) -> PostalAddress | None:
        return self._addresses.open(raw) if self._addresses is not None else None

    def order_history(self, order_id: str) -> OrderHistory | None:
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_item({":pk": order_pk(order_id)}),
            "ConsistentRead": True,
        }
        by_sk = {item["sk"]["S"]: item for item in every_item(self._client.query, query)}
        if items.ORDER_SK not in by_sk:
            return None
        ordered = sorted(by_sk)
        return OrderHistory(
            order=self.order_from_item(by_sk[items.ORDER_SK], by_sk.get(items.FULFILMENT_SK)),
            events=[
                items.event_from_item(by_sk[sk], self._address_of(by_sk[sk]))
                for sk in ordered
                if sk.startswith(items.EVENT_PREFIX)
            ],
            payments=[
                items.payment_from_item(by_sk[sk]) for sk in ordered if sk.startswith(items.PAYMENT_PREFIX)
            ],
        )

    def orders_of(self, user_id: str, limit: int, cursor: str | None) -> Page[Order]:
        scope = scope_of("orders", USER_INDEX, user_id)
        spec = index_partition(self._table, USER_INDEX, user_partition(user_id), scope)
        page = orders_page(self._client, spec, limit, cursor)
        return Page([self.order_from_item(*pair) for pair in page.items], page.next_cursor)

    def due_reservations(self, now: str, limit: int) -> Sequence[str]:
        """PENDING_PAYMENT orders whose reservation ended, oldest first, from gsi2 (which holds each
        entry's `reservation_expires_at`). Every reservation lasts the same time from checkout, so
        they end in the order the orders were created: the oldest `limit` pending orders hold every
        due one that this run can take, and the next run takes the rest."""
        answer = self._client.query(
            TableName=self._table,
            IndexName=STATUS_INDEX,
            KeyConditionExpression=f"{STATUS_INDEX}pk = :pending",
            FilterExpression="reservation_expires_at < :now",
            ExpressionAttributeValues=to_item({":pending": status_partition("PENDING_PAYMENT"), ":now": now}),
            ScanIndexForward=True,
            Limit=limit,
        )
        return [item["pk"]["S"].removeprefix("ORDER#") for item in answer.get("Items", [])]

    def commit(self, change: OrderChange) -> None:
        """The change and the audit entries that record it, in one transaction. An entry that
        lost its place in its chain is sealed again after the new head and the whole transaction
        sent again; one that keeps losing is refused as busy, for the service to retry or answer
        409 (its actor's other requests keep winning the chain)."""
        elements, tags = OrderTransaction(self._table, self._catalog, self._addresses).elements(change)
        entries = sealing(self._audit, change.audit)

        def lost_race(exc: ClientError) -> bool:
            cancelled = exc.response["Error"]["Code"] == "TransactionCanceledException"
            return cancelled and entries is not None and entries.lost_race(exc, len(elements))

        try:
            retried(
                lambda: self._send(change, elements, entries.puts() if entries else []),
                lost=ClientError,
                retry_if=lost_race,
                gave_up=lambda _: CommitRefused(busy=True),
                attempts=AUDIT_RACE_ATTEMPTS,
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            raise refusal(_reasons(exc), tags) from exc

    def _send(self, change: OrderChange, elements: list[AttrMap], puts: list[AttrMap]) -> None:
        try:
            self._client.transact_write_items(TransactItems=[*elements, *puts])
        except ClientError as exc:
            cancelled = exc.response["Error"]["Code"] == "TransactionCanceledException"
            if not cancelled and _unknown_outcome(exc) and self._landed(change):
                return
            raise
        except BotoCoreError:
            if self._landed(change):
                return
            raise

    def _landed(self, change: OrderChange) -> bool:
        """After an answer that does not say whether the transaction ran (a 5xx, a timeout), look:
        its first event is stored with our event id exactly if it committed. A payment whose commit
        landed must not be voided, a cancellation must still refund, a checkout must answer 201."""
        if not change.events:
            return False
        first = change.events[0]
        key = {"pk": {"S": order_pk(first.order_id)}, "sk": {"S": f"{items.EVENT_PREFIX}{first.seq:08d}"}}
        try:
            got = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        except (ClientError, BotoCoreError):
            return False  # still unknown: the caller gets the original error
        stored = got.get("Item", {}).get("event_id", {}).get("S")
        return bool(stored == first.event_id)


def _reasons(exc: ClientError) -> list[dict[str, Any]]:
    return list(exc.response.get("CancellationReasons") or [])  # type: ignore[arg-type]


def _unknown_outcome(exc: ClientError) -> bool:
    """A 4xx refused the request (nothing ran); a 5xx may come after the transaction committed."""
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500)) >= 500
