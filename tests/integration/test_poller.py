"""Event-source mappings from a small test template: SQS partial failures and redrive, streams, schedules."""

import json
import time
import uuid
from pathlib import Path

import pytest

from shop_local.lambda_runtime.containers import Functions
from shop_local.provisioning.provision import provision
from shop_local.runtime import build_pollers

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent
SKIP_PATTERN = '{"dynamodb": {"Keys": {"pk": {"S": [{"anything-but": ["skipped"]}]}}}}'


def function(handler, events):
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {"CodeUri": "poller_handlers/", "Handler": handler, "Timeout": 5, "Events": events},
    }


TEMPLATE = {
    "Resources": {
        "DeadLetters": {"Type": "AWS::SQS::Queue"},
        "Work": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "VisibilityTimeout": 1,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": ["DeadLetters", "Arn"]},
                    "maxReceiveCount": 2,
                },
            },
        },
        "Things": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
            },
        },
        "StreamFailures": {"Type": "AWS::SQS::Queue"},
        "SqsConsumer": function(
            "poller_sqs_consumer.handler",
            {
                "Work": {
                    "Type": "SQS",
                    "Properties": {
                        "Queue": {"Fn::GetAtt": ["Work", "Arn"]},
                        "BatchSize": 10,
                        "FunctionResponseTypes": ["ReportBatchItemFailures"],
                        "FilterCriteria": {
                            "Filters": [{"Pattern": '{"body": [{"anything-but": ["ignored"]}]}'}]
                        },
                    },
                }
            },
        ),
        "StreamConsumer": function(
            "poller_stream_consumer.handler",
            {
                "Changes": {
                    "Type": "DynamoDB",
                    "Properties": {
                        "Stream": {"Fn::GetAtt": ["Things", "StreamArn"]},
                        "StartingPosition": "TRIM_HORIZON",
                        "BatchSize": 10,
                        "FunctionResponseTypes": ["ReportBatchItemFailures"],
                        "MaximumRetryAttempts": 1,
                        "DestinationConfig": {
                            "OnFailure": {"Destination": {"Fn::GetAtt": ["StreamFailures", "Arn"]}}
                        },
                        "FilterCriteria": {"Filters": [{"Pattern": SKIP_PATTERN}]},
                    },
                }
            },
        ),
        "Ticker": function(
            "poller_ticker.handler",
            {"Tick": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 minute)"}}},
        ),
    }
}


@pytest.fixture(scope="module")
def local(emulator, tmp_path_factory):
    log = tmp_path_factory.mktemp("poller") / "received.jsonl"
    log.touch()
    stack = provision(TEMPLATE, emulator.url, stack_name=f"poller-{uuid.uuid4().hex[:8]}", base_dir=HERE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POLLER_TEST_LOG", str(log))
        pollers = build_pollers(stack, Functions(stack.functions()), time_scale=300)  # a minute is 0.2 s
        pollers.start()
        try:
            yield stack, pollers, log
        finally:
            pollers.stop()


def received(log, source):
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    return [line["record"] for line in lines if line["source"] == source]


def test_sqs_partial_failure_redelivers_only_the_failed_message_until_the_dlq(local):
    stack, pollers, log = local
    sqs = stack.client("sqs")
    work = stack.physical_id("Work")
    for body in ("ok-1", "fail-2", "ok-3", "ignored"):
        sqs.send_message(
            QueueUrl=work,
            MessageBody=body,
            MessageAttributes={"type": {"DataType": "String", "StringValue": body}},
        )
    pollers.drain(timeout=30)

    records = received(log, "sqs")
    bodies = [r["body"] for r in records]
    assert sorted(bodies) == ["fail-2", "fail-2", "ok-1", "ok-3"]  # maxReceiveCount 2, then no more
    counts = [r["attributes"]["ApproximateReceiveCount"] for r in records if r["body"] == "fail-2"]
    assert counts == ["1", "2"]
    first = records[0]
    assert first["eventSource"] == "aws:sqs" and first["awsRegion"] == "us-east-1"
    assert first["eventSourceARN"] == stack.attribute("Work", "Arn")
    assert first["messageAttributes"]["type"]["stringValue"] == first["body"]
    assert first["messageAttributes"]["type"]["dataType"] == "String"
    assert {"messageId", "receiptHandle", "md5OfBody"} <= set(first)

    # The filtered-out message was deleted without reaching the handler (and not dead-lettered).
    dead = sqs.receive_message(QueueUrl=stack.physical_id("DeadLetters"), MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in dead] == ["fail-2"]


def test_stream_records_reach_the_handler_and_a_poison_record_ends_in_the_destination(local):
    stack, pollers, log = local
    table = stack.physical_id("Things")
    dynamodb = stack.client("dynamodb")
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "skipped"}})
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "2"}})
    pollers.drain(timeout=30)
    records = [r for r in received(log, "stream") if r["dynamodb"]["Keys"]["pk"]["S"] == "a"]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    assert not [r for r in received(log, "stream") if r["dynamodb"]["Keys"]["pk"]["S"] == "skipped"]
    modify = records[1]
    assert modify["eventSource"] == "aws:dynamodb"
    assert modify["eventSourceARN"] == stack.attribute("Things", "StreamArn")
    assert modify["dynamodb"]["OldImage"]["n"] == {"N": "1"} and modify["dynamodb"]["NewImage"]["n"] == {
        "N": "2"
    }
    assert isinstance(modify["dynamodb"]["ApproximateCreationDateTime"], int)
    assert modify["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"

    dynamodb.put_item(TableName=table, Item={"pk": {"S": "poison"}})
    pollers.drain(timeout=30)
    poison = [r for r in received(log, "stream") if r["dynamodb"]["Keys"]["pk"]["S"] == "poison"]
    assert len(poison) == 2  # the first attempt and MaximumRetryAttempts=1 retry
    sqs = stack.client("sqs")
    failures = sqs.receive_message(QueueUrl=stack.physical_id("StreamFailures"), MaxNumberOfMessages=10)[
        "Messages"
    ]
    info = json.loads(failures[0]["Body"])["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == poison[0]["dynamodb"]["SequenceNumber"]


def test_a_schedule_fires_with_a_scheduled_event(local):
    _, _, log = local
    deadline = time.monotonic() + 10
    while len(received(log, "schedule")) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    events = received(log, "schedule")
    assert len(events) >= 2
    assert events[0]["detail-type"] == "Scheduled Event" and events[0]["source"] == "aws.events"
    assert events[0]["resources"][0].endswith(":rule/TickerTick")
