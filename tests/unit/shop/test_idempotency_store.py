"""The idempotency store recognises its own claim when botocore resends a put whose answer was lost."""

from typing import Any

from botocore.exceptions import ClientError

from shop.adapters.idempotency_dynamo import DynamoIdempotencyStore
from shop.api.idempotency import Claim


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
