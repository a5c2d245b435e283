"""Test handler: records each SQS record; reports bodies starting with "fail" as failed items."""

import json
import os


def handler(event, context):
    failures = []
    with open(os.environ["POLLER_TEST_LOG"], "a", encoding="utf-8") as log:
        for record in event["Records"]:
            log.write(json.dumps({"source": "sqs", "record": record}) + "\n")
            if record["body"].startswith("fail"):
                failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
