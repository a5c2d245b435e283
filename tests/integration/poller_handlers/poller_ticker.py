"""Test handler: records each scheduled event."""

import json
import os


def handler(event, context):
    with open(os.environ["POLLER_TEST_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps({"source": "schedule", "record": event}) + "\n")
