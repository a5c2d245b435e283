"""The bus on SNS: PublishBatch, ten messages a call, `type` as the attribute that filter policies see.

The topic is a standard one, so SNS offers no deduplication id: consumers dedup on the message id.
A call that fails as a whole (throttled, unreachable) marks its ten messages as not accepted
instead of raising, so that the messages of the other calls still count as published.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from shop.domain.bus_messages import BusMessage

SNS_BATCH_LIMIT = 10
logger = Logger(service="shop")


def publish_entry(entry_id: str, message: BusMessage) -> dict[str, Any]:
    return {
        "Id": entry_id,
        "Message": message.to_json(),
        "MessageAttributes": {"type": {"DataType": "String", "StringValue": message.type}},
    }


class SnsBusPublisher:
    def __init__(self, sns: Any, topic_arn: str) -> None:
        self._sns = sns
        self._topic_arn = topic_arn

    def publish(self, messages: Sequence[BusMessage]) -> set[str]:
        """Publish all; the ids of the messages SNS did not accept."""
        rejected: set[str] = set()
        for start in range(0, len(messages), SNS_BATCH_LIMIT):
            rejected |= self._publish_chunk(messages[start : start + SNS_BATCH_LIMIT])
        return rejected

    def _publish_chunk(self, chunk: Sequence[BusMessage]) -> set[str]:
        # Entry ids are positions: SNS allows only [A-Za-z0-9_-]{1,80} and unique ids per call.
        by_entry = {f"m{index}": message for index, message in enumerate(chunk)}
        try:
            answer = self._sns.publish_batch(
                TopicArn=self._topic_arn,
                PublishBatchRequestEntries=[publish_entry(key, msg) for key, msg in by_entry.items()],
            )
        except (ClientError, BotoCoreError) as exc:
            logger.warning("order events not published", extra={"count": len(chunk), "error": repr(exc)})
            return {message.id for message in chunk}
        failed = answer.get("Failed") or []
        for failure in failed:
            logger.warning(
                "order event not published",
                extra={"code": failure.get("Code"), "sender_fault": failure.get("SenderFault")},
            )
        accepted = {entry["Id"] for entry in answer.get("Successful") or []}
        return {message.id for key, message in by_entry.items() if key not in accepted}
