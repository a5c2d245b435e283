"""Idempotency records in IdempotencyTable (key `id`, TTL attribute `expiration`).

A claim is one conditional PutItem that succeeds only if no live record exists (none, expired, or
an in-progress one whose lease ran out because its Lambda died); on failure the existing record
comes back with the same call (ReturnValuesOnConditionCheckFailure), so a replay costs one call.
Completing is conditioned on our claim token, so a stale request never overwrites a newer one.
With a cipher, the stored response (an order, with its shipping address) is sealed like the order
itself (shop.adapters.orders.order_addresses): a replay opens it, a copy of the table does not.

A request that runs without a claim (shop.api.idempotency, `lock=False`) writes its record once,
completed, with a Put conditioned on the key being free (`record_element` inside the command's
transaction, `record` alone for an error answer), and reads it with `find`.

A completed record is kept small, since it is written inside the command's transaction (which
bills twice) and a write costs a unit per started KB: the body is stored compressed (zlib) before it
is sealed, and the claim's token and lease go when it completes. Records written before that (a
plain `response_body`, a sealed text `response_enc`) still replay until they expire.
"""

from __future__ import annotations

import time
import uuid
import zlib
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from shop.adapters.dynamo_codec import AttrMap, from_item, to_item
from shop.adapters.pii_crypto import EnvelopeCipher
from shop.services.idempotency_ports import Claim, Existing, StoredResponse

RECORD_TTL_SECONDS = 25 * 3600  # replayed for at least 24 hours, as API.md promises
LEASE_SECONDS = 30  # longer than any function's timeout
AAD_TABLE, BODY = "idempotency", "response_body"
PACKED_BODY, SEALED_PACKED_BODY = "body_z", "body_zenc"


def _failed_condition(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] == "ConditionalCheckFailedException"


class DynamoIdempotencyStore:
    def __init__(
        self,
        client: Any,
        table: str,
        clock: Callable[[], float] = time.time,
        cipher: EnvelopeCipher | None = None,
    ) -> None:
        self._client, self._table, self._clock, self._cipher = client, table, clock, cipher

    def begin(self, record_id: str, fingerprint: str) -> Claim | Existing:
        now, token = int(self._clock()), uuid.uuid4().hex
        item = {
            "id": record_id,
            "status": "INPROGRESS",
            "fingerprint": fingerprint,
            "token": token,
            "lease_until": now + LEASE_SECONDS,
            "expiration": now + RECORD_TTL_SECONDS,
        }
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(item),
                ConditionExpression=(
                    "attribute_not_exists(id) OR expiration < :now"
                    " OR (#status = :inprogress AND lease_until < :now)"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item({":now": now, ":inprogress": "INPROGRESS"}),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if not _failed_condition(exc):
                raise
            old: AttrMap | None = exc.response.get("Item")  # type: ignore[assignment]
            if old is None:  # an engine that does not return the item: read it
                old = self._client.get_item(
                    TableName=self._table, Key={"id": {"S": record_id}}, ConsistentRead=True
                )["Item"]
            record = from_item(old)
            if record.get("token") == token:  # botocore resent our own put after a lost answer
                return Claim(record_id, token)
            return self._existing(record)
        return Claim(record_id, token)

    def seal_element(self, claim: Claim, response: StoredResponse) -> AttrMap:
        return {"Update": self._completion(claim, response)}

    def complete(self, claim: Claim, response: StoredResponse) -> None:
        try:
            self._client.update_item(**self._completion(claim, response))
        except ClientError as exc:
            if not _failed_condition(exc):  # already completed (sealed) or taken over: nothing to do
                raise

    def release(self, claim: Claim) -> None:
        """Forget a claim whose request failed with a 5xx, so a retry runs afresh."""
        try:
            self._client.delete_item(
                TableName=self._table,
                Key={"id": {"S": claim.record_id}},
                ConditionExpression="#token = :token AND #status = :inprogress",
                ExpressionAttributeNames={"#token": "token", "#status": "status"},
                ExpressionAttributeValues=to_item({":token": claim.token, ":inprogress": "INPROGRESS"}),
            )
        except ClientError as exc:
            if not _failed_condition(exc):
                raise

    def find(self, record_id: str) -> Existing | None:
        got = self._client.get_item(TableName=self._table, Key={"id": {"S": record_id}}, ConsistentRead=True)
        record = from_item(got["Item"]) if "Item" in got else None
        if record is None or int(record.get("expiration", 0)) < int(self._clock()):
            return None
        return self._existing(record)

    def record_element(self, record_id: str, fingerprint: str, response: StoredResponse) -> AttrMap:
        now = int(self._clock())
        item = {
            "id": record_id,
            "status": "COMPLETED",
            "fingerprint": fingerprint,
            "response_status": response.status,
            "expiration": now + RECORD_TTL_SECONDS,
        } | self._body(record_id, response)
        return {
            "Put": {
                "TableName": self._table,
                "Item": to_item(item),
                "ConditionExpression": (
                    "attribute_not_exists(id) OR expiration < :now"
                    " OR (#status = :inprogress AND lease_until < :now)"
                ),
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": to_item({":now": now, ":inprogress": "INPROGRESS"}),
            }
        }

    def record(self, record_id: str, fingerprint: str, response: StoredResponse) -> Existing | None:
        put = self.record_element(record_id, fingerprint, response)["Put"]
        try:
            self._client.put_item(**put, ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except ClientError as exc:
            if not _failed_condition(exc):
                raise
            old: AttrMap | None = exc.response.get("Item")  # type: ignore[assignment]
            return self._existing(from_item(old)) if old else self.find(record_id)
        return None

    def _body(self, record_id: str, response: StoredResponse) -> dict[str, Any]:
        packed = zlib.compress(response.body.encode(), 9)
        if self._cipher is None:
            return {PACKED_BODY: packed}
        sealed = self._cipher.seal(AAD_TABLE, record_id, {SEALED_PACKED_BODY: packed})
        return {SEALED_PACKED_BODY: sealed.values[SEALED_PACKED_BODY], "response_key": sealed.encrypted_key}

    def _completion(self, claim: Claim, response: StoredResponse) -> AttrMap:
        body = self._body(claim.record_id, response)
        names = {f"#b{i}": name for i, name in enumerate(body)}
        values = {f":b{i}": value for i, value in enumerate(body.values())}
        return {
            "TableName": self._table,
            "Key": {"id": {"S": claim.record_id}},
            "UpdateExpression": (
                "SET #status = :completed, response_status = :code, expiration = :exp, "
                + ", ".join(f"{name} = :b{i}" for i, name in enumerate(names))
                + " REMOVE lease_until, #token"
            ),
            "ConditionExpression": "#token = :token AND #status = :inprogress",
            "ExpressionAttributeNames": {"#token": "token", "#status": "status"} | names,
            "ExpressionAttributeValues": to_item(
                {
                    ":completed": "COMPLETED",
                    ":code": response.status,
                    ":exp": int(self._clock()) + RECORD_TTL_SECONDS,
                    ":token": claim.token,
                    ":inprogress": "INPROGRESS",
                }
                | values
            ),
        }

    def _existing(self, record: dict[str, Any]) -> Existing:
        if record.get("status") != "COMPLETED":
            return Existing(record["fingerprint"], None)
        return Existing(
            record["fingerprint"], StoredResponse(int(record["response_status"]), self._stored_body(record))
        )

    def _stored_body(self, record: dict[str, Any]) -> str:
        if PACKED_BODY in record:
            return zlib.decompress(bytes(record[PACKED_BODY])).decode()
        if SEALED_PACKED_BODY in record:
            return zlib.decompress(self._open(record, SEALED_PACKED_BODY, SEALED_PACKED_BODY)).decode()
        if "response_enc" in record:  # sealed before bodies were compressed
            return self._open(record, "response_enc", BODY).decode()
        return str(record.get(BODY))

    def _open(self, record: dict[str, Any], stored_as: str, sealed_as: str) -> bytes:
        if self._cipher is None:
            raise RuntimeError("this idempotency store cannot open a sealed response (no key)")
        sealed = {sealed_as: bytes(record[stored_as])}
        return self._cipher.open_bytes(AAD_TABLE, record["id"], bytes(record["response_key"]), sealed)[
            sealed_as
        ]
