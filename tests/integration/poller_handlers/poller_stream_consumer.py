"""Test handler: records each stream record; an item with pk "poison" always fails."""

import json
import os


def handler(event, context):
    failures = []
    with open(os.environ["POLLER_TEST_LOG"], "a", encoding="utf-8") as log:
        for record in event["Records"]:
            log.write(json.dumps({"source": "stream", "record": record}) + "\n")
            if record["dynamodb"]["Keys"]["pk"]["S"] == "poison":
                failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
    return {"batchItemFailures": failures}
