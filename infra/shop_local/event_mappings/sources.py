"""The template's event-source mappings (SQS, DynamoDB Streams, schedules), resolved against the stack.

Lambda's pollers live in the service, not in the function, so locally they are read from the same
Events the cloud would turn into EventSourceMappings and rules, with the same defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shop_local.event_mappings.filters import Pattern, filter_patterns

Resolve = Callable[[Any], Any]
DEFAULT_STREAM_RETRIES = 10  # AWS's default is "until the record expires"; locally that never ends


@dataclass(frozen=True)
class SqsSource:
    function_id: str
    queue_arn: str
    batch_size: int = 10
    batching_window_seconds: float = 0.0
    report_item_failures: bool = False
    filters: list[Pattern] = field(default_factory=list)

    @property
    def queue_name(self) -> str:
        return self.queue_arn.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class StreamSource:
    function_id: str
    stream_arn: str
    starting_position: str = "LATEST"
    batch_size: int = 100
    report_item_failures: bool = False
    maximum_retry_attempts: int = DEFAULT_STREAM_RETRIES
    bisect_on_error: bool = False
    on_failure_arn: str | None = None
    batching_window_seconds: float = 0.0
    filters: list[Pattern] = field(default_factory=list)


@dataclass(frozen=True)
class ScheduleSource:
    function_id: str
    name: str
    expression: str
    input: str | None = None


EventSource = SqsSource | StreamSource | ScheduleSource


def _enabled(props: dict[str, Any]) -> bool:
    state = str(props.get("State", "ENABLED")).upper()
    return str(props.get("Enabled", True)).lower() != "false" and state != "DISABLED"


def _item_failures(props: dict[str, Any]) -> bool:
    return "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or [])


def _one(
    function_id: str, name: str, kind: str, props: dict[str, Any], resolve: Resolve
) -> EventSource | None:
    if kind == "SQS":
        return SqsSource(
            function_id,
            str(resolve(props["Queue"])),
            int(props.get("BatchSize", 10)),
            float(props.get("MaximumBatchingWindowInSeconds", 0)),
            _item_failures(props),
            filter_patterns(props),
        )
    if kind == "DynamoDB":
        retries = int(props.get("MaximumRetryAttempts", -1))
        on_failure = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        return StreamSource(
            function_id,
            str(resolve(props["Stream"])),
            str(props.get("StartingPosition", "LATEST")).upper(),
            int(props.get("BatchSize", 100)),
            _item_failures(props),
            DEFAULT_STREAM_RETRIES if retries < 0 else retries,
            str(props.get("BisectBatchOnFunctionError", False)).lower() == "true",
            str(resolve(on_failure)) if on_failure is not None else None,
            float(props.get("MaximumBatchingWindowInSeconds", 0)),
            filter_patterns(props),
        )
    if kind in {"Schedule", "ScheduleV2"}:
        expression = props.get("Schedule") if kind == "Schedule" else props.get("ScheduleExpression")
        given = props.get("Input")
        return ScheduleSource(
            function_id, f"{function_id}{name}", str(resolve(expression)), given and str(given)
        )
    return None


def template_event_sources(template: dict[str, Any], resolve: Resolve) -> list[EventSource]:
    """Every enabled SQS, DynamoDB and schedule event of every function (others are ignored)."""
    sources: list[EventSource] = []
    for function_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for name, event in ((resource.get("Properties") or {}).get("Events") or {}).items():
            props = event.get("Properties") or {}
            if not _enabled(props):
                continue
            source = _one(function_id, name, str(event.get("Type")), props, resolve)
            if source is not None:
                sources.append(source)
    return sources
