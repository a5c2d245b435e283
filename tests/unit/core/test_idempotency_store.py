"""The idempotency store: it recognises its own claim when botocore resends a put whose answer was
lost, and a completed record is small (one write unit) yet replays its answer byte for byte."""

import json
import os
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shop.adapters.idempotency.idempotency_dynamo import DynamoIdempotencyStore
from shop.adapters.pii_crypto import EnvelopeCipher
from shop.services.idempotency_ports import Claim, Existing, StoredResponse


class ResendingClient:
    """Stores the first put, then answers as DynamoDB does to botocore's resend of it."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def put_item(self, **request: Any) -> dict[str, Any]:
        key = request["Item"]["id"]["S"]
        if key in self.items:
            raise self._refused(self.items[key])
        self.items[key] = request["Item"]
        raise self._refused(request["Item"])  # the write landed; its answer was lost and resent

    @staticmethod
    def _refused(item: dict[str, Any]) -> ClientError:
        error = {"Error": {"Code": "ConditionalCheckFailedException", "Message": "refused"}, "Item": item}
        return ClientError(error, "PutItem")  # type: ignore[arg-type]


def test_a_resent_claim_is_still_ours():
    client = ResendingClient()
    store = DynamoIdempotencyStore(client, "idempotency", clock=lambda: 1_000.0)
    assert isinstance(store.begin("user#checkout#key", "fingerprint"), Claim)


def test_another_requests_claim_is_not_ours():
    client = ResendingClient()
    store = DynamoIdempotencyStore(client, "idempotency", clock=lambda: 1_000.0)
    store.begin("user#checkout#key", "fingerprint")
    assert not isinstance(store.begin("user#checkout#key", "fingerprint"), Claim)


class SizedKms:
    """Data keys whose KMS-encrypted form is as long as KMS's (about 184 bytes for a 256-bit key)."""

    def generate_data_key(self, **_: Any) -> dict[str, Any]:
        plaintext = os.urandom(32)
        return {"Plaintext": plaintext, "CiphertextBlob": plaintext + bytes(152)}

    def decrypt(self, **request: Any) -> dict[str, Any]:
        return {"Plaintext": request["CiphertextBlob"][:32]}


class RecordingClient:
    """Keeps one record per id: a put is refused while one is stored (none expires here), an update
    is applied from its SET and REMOVE clauses."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def put_item(self, **request: Any) -> dict[str, Any]:
        key = request["Item"]["id"]["S"]
        if key in self.items:
            raise ResendingClient._refused(self.items[key])
        self.items[key] = dict(request["Item"])
        return {}

    def update_item(self, **request: Any) -> dict[str, Any]:
        item, names = self.items[request["Key"]["id"]["S"]], request["ExpressionAttributeNames"]
        values = request["ExpressionAttributeValues"]
        assert item["token"] == values[":token"]
        sets, removes = request["UpdateExpression"].removeprefix("SET ").split(" REMOVE ")
        for assignment in sets.split(", "):
            name, value = assignment.split(" = ")
            item[names.get(name, name)] = values[value]
        for name in removes.split(", "):
            item.pop(names.get(name, name), None)
        return {}

    def get_item(self, **request: Any) -> dict[str, Any]:
        return {"Item": self.items[request["Key"]["id"]["S"]]}


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's size of an item of strings, numbers and binaries (names count too)."""
    sizes = {"S": lambda v: len(v.encode()), "N": lambda v: len(v), "B": len}
    return sum(len(name) + sizes[kind](v) for name, value in item.items() for kind, v in value.items())


ORDER_BODY = json.dumps(
    {
        "id": str(uuid.uuid4()),
        "user_id": f"u_{uuid.uuid4().hex}",
        "status": "PENDING_PAYMENT",
        "items": [
            {
                "product_id": str(uuid.uuid4()),
                "sku": f"SKU-{n}",
                "name": f"Stoneware mug no. {n}",
                "unit_price_cents": 1250,
                "quantity": 2,
                "line_total_cents": 2500,
            }
            for n in range(4)
        ],
        "subtotal_cents": 7500,
        "shipping_cents": 499,
        "total_cents": 7999,
        "currency": "USD",
        "shipping_address": {
            "name": "Ada Lovelace",
            "line1": "12 Long Road",
            "city": "London",
            "country": "GB",
        },
        "reservation_expires_at": "2030-01-01T00:15:00.000Z",
        "created_at": "2030-01-01T00:00:00.000Z",
        "updated_at": "2030-01-01T00:00:00.000Z",
    }
)


@pytest.mark.parametrize("sealed", [False, True])
def test_a_completed_record_is_small_and_replays_byte_for_byte(sealed):
    client = RecordingClient()
    cipher = EnvelopeCipher(SizedKms(), "key", purpose="shop-orders") if sealed else None
    store = DynamoIdempotencyStore(client, "idempotency", clock=lambda: 1_000.0, cipher=cipher)
    record_id = f"checkout#u_{uuid.uuid4().hex}#{'0' * 64}"
    claim = store.begin(record_id, "f" * 64)
    assert isinstance(claim, Claim)
    store.complete(claim, StoredResponse(201, ORDER_BODY))
    stored = client.items[record_id]
    assert not {"token", "lease_until", "response_body"} & set(stored)
    assert ("Ada Lovelace" in repr(stored)) is False
    assert len(ORDER_BODY) > 1024 and item_size(stored) <= 1024  # one write unit, not two
    assert store.begin(record_id, "f" * 64) == Existing("f" * 64, StoredResponse(201, ORDER_BODY))


def test_records_stored_before_compression_still_replay():
    client = RecordingClient()
    cipher = EnvelopeCipher(SizedKms(), "key", purpose="shop-orders")
    store = DynamoIdempotencyStore(client, "idempotency", clock=lambda: 1_000.0, cipher=cipher)
    old = cipher.seal("idempotency", "pay#u#sealed", {"response_body": ORDER_BODY})
    done = {"status": {"S": "COMPLETED"}, "fingerprint": {"S": "f"}, "response_status": {"N": "200"}}
    client.items["pay#u#sealed"] = done | {
        "id": {"S": "pay#u#sealed"},
        "response_enc": {"B": old.values["response_body"]},
        "response_key": {"B": old.encrypted_key},
    }
    client.items["pay#u#plain"] = done | {"id": {"S": "pay#u#plain"}, "response_body": {"S": ORDER_BODY}}
    for record_id in ("pay#u#sealed", "pay#u#plain"):
        assert store.begin(record_id, "f") == Existing("f", StoredResponse(200, ORDER_BODY))
