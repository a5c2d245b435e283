"""`python -m shop_tools.redrive QUEUE`: move a dead-letter queue's messages back to their source queue.

A consumer's DLQ holds the messages it failed five times (a mail service outage, a bug). Once the
cause is fixed, redriving hands them back to the consumer, which is idempotent on the event id, so
a message that was in fact handled before it died is not handled twice.

QUEUE is a queue URL, a queue name, or the template's logical id (`NotificationsDLQ`,
`SalesStatsDLQ`) of the local shop (default) or of a deployed stack (`--stack NAME`). The source
is the queue whose redrive policy names this DLQ (ListDeadLetterSourceQueues), or `--to URL`.
Each message is sent to the source (body and message attributes kept) and only then deleted from
the DLQ, so a crash in between duplicates a message rather than losing it. The emulator has no
StartMessageMoveTask (the console's "DLQ redrive"), so this moves messages itself; the same
command works on AWS. PublisherDLQ is not a message queue's DLQ (it describes stream batches the
publisher gave up on) and is refused: re-read those records from the stream instead.
Exit codes: 0 done, 1 failed, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import Any

RECEIVE_BATCH = 10
MOVING_VISIBILITY_SECONDS = 60


class RedriveError(RuntimeError):
    """The DLQ's source queue cannot be told, or a message could not be moved."""


@dataclass(frozen=True)
class Redriven:
    moved: int
    source_url: str


def source_of(sqs: Any, dlq_url: str) -> str:
    """The one queue whose redrive policy sends its dead letters to `dlq_url`."""
    sources = list(sqs.list_dead_letter_source_queues(QueueUrl=dlq_url).get("queueUrls") or [])
    if len(sources) != 1:
        raise RedriveError(f"{dlq_url} is the DLQ of {len(sources)} queues; name the source with --to")
    return str(sources[0])


def _copy(message: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"MessageBody": message["Body"]}
    if message.get("MessageAttributes"):
        entry["MessageAttributes"] = message["MessageAttributes"]
    return entry


def redrive(sqs: Any, dlq_url: str, source_url: str | None = None, limit: int | None = None) -> Redriven:
    """Move up to `limit` messages (all by default) from `dlq_url` back to its source queue."""
    target = source_url or source_of(sqs, dlq_url)
    moved = 0
    while limit is None or moved < limit:
        wanted = RECEIVE_BATCH if limit is None else max(1, min(RECEIVE_BATCH, limit - moved))
        messages = (
            sqs.receive_message(
                QueueUrl=dlq_url,
                MaxNumberOfMessages=wanted,
                WaitTimeSeconds=0,
                VisibilityTimeout=MOVING_VISIBILITY_SECONDS,
                MessageAttributeNames=["All"],
            ).get("Messages")
            or []
        )
        if not messages:
            break
        for message in messages:
            sqs.send_message(QueueUrl=target, **_copy(message))
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return Redriven(moved, target)


def queue_url(sqs: Any, queue: str, stack_name: str | None) -> str:
    if queue.startswith(("http://", "https://")):
        return queue
    if queue == "PublisherDLQ" or queue.endswith("-PublisherDLQ"):
        raise RedriveError("PublisherDLQ holds stream batch descriptions, not messages to redrive")
    if stack_name:
        import boto3

        resource = boto3.client("cloudformation").describe_stack_resource(
            StackName=stack_name, LogicalResourceId=queue
        )
        return str(resource["StackResourceDetail"]["PhysicalResourceId"])
    from botocore.exceptions import ClientError

    for name in (queue, f"shop-local-{queue}"):
        try:
            return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])
        except ClientError:
            continue
    raise RedriveError(f"no queue named {queue} (or shop-local-{queue})")


def _local(emulator_url: str | None) -> None:
    """Talk to the local emulator with its fake credentials, unless told otherwise."""
    from shop_local.settings import LocalSettings

    url = emulator_url or os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = url or f"http://127.0.0.1:{LocalSettings.from_env().emulator_port}"
    for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test")):
        os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m shop_tools.redrive", description=__doc__.split("\n")[0])
    parser.add_argument("queue", help="the DLQ: URL, name or logical id (NotificationsDLQ, SalesStatsDLQ)")
    parser.add_argument(
        "--to", dest="source", help="the queue to move messages to (default: the DLQ's source)"
    )
    parser.add_argument("--max", dest="limit", type=int, help="move at most this many messages")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--stack", help="a deployed CloudFormation stack (your AWS credentials)")
    where.add_argument("--emulator-url", help="the local emulator (default: the running local shop's)")
    return parser


def main(argv: list[str] | None = None) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    args = _parser().parse_args(argv)
    if args.limit is not None and args.limit < 1:
        print("error: --max must be at least 1", file=sys.stderr)
        return 2
    if not args.stack:
        _local(args.emulator_url)
    try:
        sqs = boto3.client("sqs")
        dlq = queue_url(sqs, args.queue, args.stack)
        done = redrive(sqs, dlq, args.source, args.limit)
    except (RedriveError, ClientError, BotoCoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"moved {done.moved} message(s) from {dlq} to {done.source_url}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
