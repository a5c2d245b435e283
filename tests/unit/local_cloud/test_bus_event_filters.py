"""Lambda's FilterCriteria as the local poller would apply them: the publisher's pattern from template.yaml."""

import copy
import json
from pathlib import Path

import pytest

from shop_local.event_mappings.filters import filter_patterns, keeps
from shop_local.provisioning.template import load_template

SAMPLE = Path(__file__).parents[3] / "events" / "events" / "publish_order_events.json"


@pytest.fixture(scope="module")
def publisher_patterns():
    template = load_template(Path(__file__).parents[3] / "template.yaml")
    events = template["Resources"]["OrderEventsPublisherFunction"]["Properties"]["Events"]
    return filter_patterns(events["OrderEvents"]["Properties"])


def test_the_publisher_receives_only_order_event_inserts(publisher_patterns):
    records = json.loads(SAMPLE.read_text())["Records"]
    kept = [r["dynamodb"]["NewImage"]["sk"]["S"] for r in records if keeps(publisher_patterns, r)]
    assert kept == ["EVENT#00000001", "EVENT#00000002"]
    removed = copy.deepcopy(records[1])
    removed["eventName"] = "REMOVE"
    assert not keeps(publisher_patterns, removed)


def test_operators_and_no_patterns():
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": {"sk": {"S": "EVENT#1"}, "seq": {"N": "5"}}}}
    assert keeps([], record)
    assert keeps([{"dynamodb": {"NewImage": {"sk": {"S": [{"prefix": "EVENT#"}]}}}}], record)
    assert not keeps([{"dynamodb": {"NewImage": {"gone": [{"exists": True}]}}}], record)
    assert keeps([{"dynamodb": {"NewImage": {"gone": [{"exists": False}]}}}], record)
    assert keeps([{"eventName": [{"anything-but": ["REMOVE"]}]}], record)
    assert keeps([{"dynamodb": {"NewImage": {"seq": {"N": [{"numeric": [">", 1, "<=", 5]}]}}}}], record)
    assert keeps([{"eventName": ["MODIFY"]}, {"eventName": ["INSERT"]}], record)  # any pattern matches
    with pytest.raises(ValueError):
        keeps([{"eventName": [{"wildcard": "IN*"}]}], record)
