"""Metrics as CloudWatch reads them: powertools prints them as EMF (one JSON document per line on
stdout) when they are flushed, as `log_metrics` does at the end of each invocation; reading that
output is powertools' own way to test metrics."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shop.observability import metrics

Documents = Callable[[], list[dict[str, Any]]]
Counts = Callable[[], Counter[str]]


def business_counts(documents: list[dict[str, Any]]) -> Counter[str]:
    """Each metric's total over EMF documents, checking that they are what the alarms read: the
    shop's namespace, Count units and the single dimension `service`."""
    totals: Counter[str] = Counter()
    for document in documents:
        for directive in document["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == "ServerlessShop"
            assert directive["Dimensions"] == [["service"]] and document["service"] == "shop"
            for metric in directive["Metrics"]:
                assert metric["Unit"] == "Count"
                values = document[metric["Name"]]
                totals[metric["Name"]] += int(sum(values) if isinstance(values, list) else values)
    return totals


@pytest.fixture
def metric_documents(capsys: pytest.CaptureFixture[str]) -> Iterator[Documents]:
    """Call it for the EMF documents printed since the last call (metrics cleared at the start)."""
    metrics.clear_metrics()
    capsys.readouterr()

    def read() -> list[dict[str, Any]]:
        out = capsys.readouterr().out
        return [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]

    yield read
    metrics.clear_metrics()


@pytest.fixture
def business_metrics(metric_documents: Documents) -> Counts:
    """Call it to flush what was counted since the test began, and get the totals by metric name."""

    def read() -> Counter[str]:
        metrics.flush_metrics()
        return business_counts(metric_documents())

    return read
