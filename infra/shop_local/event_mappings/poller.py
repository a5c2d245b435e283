"""Lambda's pollers for the local stack: SQS queues and DynamoDB streams feed their functions.

One thread per event source, one batch at a time (per-shard order for streams, as Lambda keeps
it). Receives are short polls: the emulator serialises requests, so a long poll would stall every
other AWS call of the shop. Tests call `drain()` to wait until every queue and stream is consumed.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from shop_local.event_mappings.filters import keeps
from shop_local.event_mappings.records import failed_item_ids, sqs_record
from shop_local.event_mappings.scheduler import Scheduler
from shop_local.event_mappings.source_poller import ClientFor, Invoke, SourcePoller
from shop_local.event_mappings.sources import EventSource, ScheduleSource, SqsSource, StreamSource
from shop_local.event_mappings.stream_poller import StreamPoller
from shop_local.json_log import emit as log
from shop_local.lambda_runtime.containers import FunctionFailed


def _filterable(record: dict[str, Any]) -> dict[str, Any]:
    """Filter patterns see an SQS body as JSON when it is JSON, as Lambda's filtering does."""
    try:
        return {**record, "body": json.loads(record["body"])}
    except ValueError:
        return record


class SqsPoller(SourcePoller):
    def __init__(self, source: SqsSource, invoke: Invoke, sqs: Any, region: str, stopping: threading.Event):
        super().__init__(f"sqs:{source.queue_name}->{source.function_id}", stopping)
        self.source, self._invoke, self._sqs, self._region = source, invoke, sqs, region
        self.queue_url = str(sqs.get_queue_url(QueueName=source.queue_name)["QueueUrl"])

    def _receive(self, count: int) -> list[dict[str, Any]]:
        answer = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(10, count)),
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(answer.get("Messages") or [])

    def poll_once(self) -> bool:
        messages = self._receive(self.source.batch_size)
        if not messages:
            return False
        deadline = time.monotonic() + self.source.batching_window_seconds
        while len(messages) < self.source.batch_size and time.monotonic() < deadline:
            more = self._receive(self.source.batch_size - len(messages))
            messages += more
            if not more:
                self.stopping.wait(0.05)
        records = [sqs_record(m, self.source.queue_arn, self._region) for m in messages]
        dropped = [r["messageId"] for r in records if not keeps(self.source.filters, _filterable(r))]
        records = [r for r in records if r["messageId"] not in dropped]
        self._delete_messages([m for m in messages if m["MessageId"] in dropped])  # as Lambda does, uninvoked
        if not records:
            return True
        ids = [record["messageId"] for record in records]
        try:
            result = self._invoke(self.source.function_id, {"Records": records})
        except FunctionFailed as exc:
            log(event="batch_failed", poller=self.name, size=len(records), error=str(exc))
            return True  # every message comes back after its visibility timeout
        failed = failed_item_ids(result, ids) if self.source.report_item_failures else []
        if failed is None:
            log(event="batch_failed", poller=self.name, size=len(records), error="invalid batchItemFailures")
            return True
        self._delete_messages([m for m in messages if m["MessageId"] in set(ids) - set(failed)])
        return True

    def _delete_messages(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)]
            self._sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)

    def caught_up_since(self, moment: float) -> bool:
        if not super().caught_up_since(moment):
            return False
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        names.append("ApproximateNumberOfMessagesDelayed")
        counts = self._sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=names)["Attributes"]
        return all(int(counts.get(name, 0)) == 0 for name in names)


class Pollers:
    """Every event source of the stack; start(), drain(timeout), stop()."""

    def __init__(
        self,
        sources: list[EventSource],
        invoke: Invoke,
        client_for: ClientFor,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        time_scale: float = 1.0,
    ) -> None:
        self._stopping = threading.Event()
        self.pollers: list[SourcePoller] = []
        for source in sources:
            if isinstance(source, SqsSource):
                self.pollers.append(SqsPoller(source, invoke, client_for("sqs"), region, self._stopping))
            elif isinstance(source, StreamSource):
                self.pollers.append(
                    StreamPoller(source, invoke, client_for, account_id, region, self._stopping)
                )
        schedules = [s for s in sources if isinstance(s, ScheduleSource)]
        self.scheduler = Scheduler(schedules, invoke, region, account_id, time_scale) if schedules else None

    def start(self) -> None:
        for poller in self.pollers:
            poller.start()
        if self.scheduler is not None:
            self.scheduler.start()

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every queue is empty and every stream consumed; raises TimeoutError."""
        called = time.monotonic()
        while time.monotonic() - called < timeout:
            if all(poller.caught_up_since(called) for poller in self.pollers):
                return
            time.sleep(0.05)
        waiting = [p.name for p in self.pollers if not p.caught_up_since(called)]
        raise TimeoutError(f"event sources not drained after {timeout}s: {', '.join(waiting)}")

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        if self.scheduler is not None:
            self.scheduler.stop(timeout)
        for poller in self.pollers:
            if poller.is_alive():
                poller.join(timeout)
