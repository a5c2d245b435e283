"""Lambda's DynamoDB Streams poller: ordered batches per shard, retries, bisection, on-failure destination.

A failing batch blocks its shard, as in Lambda: it is retried (from the first failed record when
the function reports item failures) up to MaximumRetryAttempts, optionally split in halves, and
then described to the OnFailure destination and skipped, so one poison record cannot stop the shop.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from shop_local.event_mappings.filters import keeps
from shop_local.event_mappings.records import failed_item_ids, stream_failure_record, stream_record
from shop_local.event_mappings.source_poller import SourcePoller
from shop_local.event_mappings.sources import StreamSource
from shop_local.json_log import emit as log
from shop_local.lambda_runtime.containers import FunctionFailed

Invoke = Callable[[str, dict[str, Any]], Any]
_LOST_ITERATOR = {"TrimmedDataAccessException", "ExpiredIteratorException"}


class StreamPoller(SourcePoller):
    def __init__(
        self,
        source: StreamSource,
        invoke: Invoke,
        client_for: Callable[[str], Any],
        account_id: str,
        region: str,
        stopping: threading.Event,
    ) -> None:
        table = source.stream_arn.split(":table/", 1)[-1].split("/", 1)[0]
        super().__init__(f"stream:{table}->{source.function_id}", stopping)
        self.source, self._invoke, self._client_for = source, invoke, client_for
        self._streams = client_for("dynamodbstreams")
        self._function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{source.function_id}"
        self._iterators: dict[str, str | None] = {}
        self._last_seen: dict[str, str] = {}  # shard -> sequence number of the last record read
        self._discover(source.starting_position)

    def _discover(self, position: str) -> None:
        """Start reading shards not seen yet (at the starting position; new shards from their start)."""
        self._discovered = time.monotonic()
        shards = self._streams.describe_stream(StreamArn=self.source.stream_arn)["StreamDescription"][
            "Shards"
        ]
        for shard in shards:
            if shard["ShardId"] not in self._iterators:
                self._iterators[shard["ShardId"]] = self._streams.get_shard_iterator(
                    StreamArn=self.source.stream_arn, ShardId=shard["ShardId"], ShardIteratorType=position
                )["ShardIterator"]

    def poll_once(self) -> bool:
        busy = False
        for shard_id in list(self._iterators):
            raw = self._read(shard_id, self.source.batch_size)
            if not raw:
                continue
            busy = True
            deadline = time.monotonic() + self.source.batching_window_seconds
            while len(raw) < self.source.batch_size and time.monotonic() < deadline:
                more = self._read(shard_id, self.source.batch_size - len(raw))
                raw += more
                if not more:
                    self.stopping.wait(0.05)
            records = [stream_record(r, self.source.stream_arn) for r in raw]
            kept = [r for r in records if keeps(self.source.filters, r)]  # the others count as done
            if kept:
                self._deliver(shard_id, kept)
        if not busy and time.monotonic() - self._discovered > 5:
            self._discover("TRIM_HORIZON")
        return busy

    def _read(self, shard_id: str, limit: int) -> list[dict[str, Any]]:
        iterator = self._iterators.get(shard_id)
        if iterator is None:
            return []  # a closed shard, fully read
        try:
            answer = self._streams.get_records(ShardIterator=iterator, Limit=limit)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in _LOST_ITERATOR:
                raise
            self._iterators[shard_id] = self._resume(shard_id)
            log(event="stream_iterator_renewed", poller=self.name, shard=shard_id, reason=str(exc))
            return []  # the next poll reads from the renewed iterator
        self._iterators[shard_id] = answer.get("NextShardIterator")
        records = list(answer.get("Records") or [])
        if records:
            self._last_seen[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
        return records

    def _resume(self, shard_id: str) -> str | None:
        """A fresh iterator just after the last record read, or the shard's oldest record if none was
        (DynamoDB Local numbers records across tables, so an iterator taken on an empty shard is
        "trimmed" once another table writes; in AWS iterators also expire after 15 minutes)."""
        where: dict[str, str] = {"ShardIteratorType": "TRIM_HORIZON"}
        if shard_id in self._last_seen:
            where = {
                "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                "SequenceNumber": self._last_seen[shard_id],
            }
        found = self._streams.get_shard_iterator(StreamArn=self.source.stream_arn, ShardId=shard_id, **where)
        return found.get("ShardIterator")

    def _deliver(self, shard_id: str, batch: list[dict[str, Any]]) -> None:
        attempts = 0
        while batch and not self.stopping.is_set():
            attempts += 1
            error = "Unhandled"
            try:
                result = self._invoke(self.source.function_id, {"Records": batch})
            except FunctionFailed as exc:
                log(event="batch_failed", poller=self.name, size=len(batch), attempt=attempts, error=str(exc))
                if self.source.bisect_on_error and len(batch) > 1:
                    middle = len(batch) // 2
                    self._deliver(shard_id, batch[:middle])
                    self._deliver(shard_id, batch[middle:])
                    return
            else:
                if not self.source.report_item_failures:
                    return
                sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in batch]
                failed = failed_item_ids(result, sequence_numbers)
                if failed == []:
                    return
                if failed is not None:  # retry from the first failed record; those before it are done
                    batch = batch[min(sequence_numbers.index(s) for s in failed) :]
                error = "PartialBatchFailure"
            if attempts > self.source.maximum_retry_attempts:
                self._give_up(shard_id, batch, attempts, error)
                return
            self.stopping.wait(min(0.1 * attempts, 1.0))

    def _give_up(self, shard_id: str, batch: list[dict[str, Any]], attempts: int, error: str) -> None:
        destination = self.source.on_failure_arn
        log(event="batch_discarded", poller=self.name, size=len(batch), destination=destination)
        if destination is None:
            return
        message = json.dumps(
            stream_failure_record(
                batch, shard_id, self.source.stream_arn, self._function_arn, attempts, error
            )
        )
        if ":sqs:" in destination:
            sqs = self._client_for("sqs")
            url = sqs.get_queue_url(QueueName=destination.rsplit(":", 1)[-1])["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=message)
        elif ":sns:" in destination:
            self._client_for("sns").publish(TopicArn=destination, Message=message)
