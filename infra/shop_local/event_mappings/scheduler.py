"""EventBridge schedules for the local stack: `rate(...)` fully, `cron(...)` for the common forms.

Rates tick from start-up, as a new rule does. Cron covers numbers, names, lists, ranges, steps,
`*` and `?` in AWS's six fields (minutes hours day-of-month month day-of-week year), UTC; the
`L`, `W` and `#` forms are refused with a clear message. `time_scale` speeds rates up for tests.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from shop_local.event_mappings.records import scheduled_event
from shop_local.event_mappings.sources import ScheduleSource
from shop_local.json_log import emit as log

Invoke = Callable[[str, dict[str, Any]], Any]
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
# (low, high, names) per cron field; AWS day-of-week is 1 (SUN) .. 7 (SAT)
_FIELDS = [(0, 59, []), (0, 23, []), (1, 31, []), (1, 12, _MONTHS), (1, 7, _DAYS), (1970, 2199, [])]


class ScheduleError(ValueError):
    """A schedule expression the local scheduler does not understand."""


def rate_seconds(expression: str) -> int | None:
    match = _RATE.match(expression.strip())
    if match is None:
        return None
    amount, unit = int(match.group(1)), match.group(2).rstrip("s")
    if amount < 1 or (amount == 1) != (not match.group(2).endswith("s")):
        raise ScheduleError(f"{expression}: use 'rate(1 {unit})' for one, 'rate(N {unit}s)' for more")
    return amount * _UNIT_SECONDS[unit]


def _values(field: str, low: int, high: int, names: list[str]) -> set[int] | None:
    """The allowed values of one cron field; None means any (`*` or `?`)."""
    if field in {"*", "?"}:
        return None
    values: set[int] = set()
    for part in field.split(","):
        base, _, step = part.partition("/")
        if base in {"*", ""}:
            start, end = low, high
        else:
            first, _, last = base.partition("-")
            start = _number(first, names, low)
            end = _number(last, names, low) if last else (high if step else start)
        values.update(range(start, end + 1, int(step) if step else 1))
    if not values or min(values) < low or max(values) > high:
        raise ScheduleError(f"cron field {field!r} is outside {low}-{high}")
    return values


def _number(text: str, names: list[str], low: int) -> int:
    if text.upper() in names:
        return names.index(text.upper()) + low
    if not text.isdigit():
        raise ScheduleError(f"cron value {text!r} is not supported locally (numbers, names, - , / * ? only)")
    return int(text)


def next_cron(expression: str, after: datetime) -> datetime:
    """The first minute strictly after `after` (UTC) that matches `cron(...)`."""
    inner = expression.strip()[len("cron(") : -1].split()
    if len(inner) != 6:
        raise ScheduleError(f"{expression}: cron needs 6 fields (minutes hours day month weekday year)")
    minutes, hours, days, months, weekdays, years = (
        _values(f, *spec) for f, spec in zip(inner, _FIELDS, strict=True)
    )
    moment = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(366 * 24 * 60 * 5):
        weekday = (moment.isoweekday() % 7) + 1  # Monday=2 ... Sunday=1
        if (years is not None and moment.year not in years) or (
            months is not None and moment.month not in months
        ):
            moment = (moment.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
        elif (days is not None and moment.day not in days) or (
            weekdays is not None and weekday not in weekdays
        ):
            moment = moment.replace(hour=0, minute=0) + timedelta(days=1)
        elif hours is not None and moment.hour not in hours:
            moment = moment.replace(minute=0) + timedelta(hours=1)
        elif minutes is not None and moment.minute not in minutes:
            moment += timedelta(minutes=1)
        else:
            return moment
    raise ScheduleError(f"{expression} never fires")


class Scheduler(threading.Thread):
    """Fires every schedule at its times in one thread; a failed invocation is logged, not retried."""

    def __init__(
        self,
        schedules: list[ScheduleSource],
        invoke: Invoke,
        region: str,
        account_id: str,
        time_scale: float = 1.0,
    ) -> None:
        super().__init__(name="scheduler", daemon=True)
        self._invoke, self._region, self._account, self._scale = invoke, region, account_id, time_scale
        self._stopping = threading.Event()
        self.fired: dict[str, int] = {s.name: 0 for s in schedules}
        now = time.time()
        self._due = {s.name: self._next(s, now) for s in schedules}
        self._schedules = {s.name: s for s in schedules}

    def _next(self, schedule: ScheduleSource, now: float) -> float:
        interval = rate_seconds(schedule.expression)
        if interval is not None:
            return now + interval / self._scale
        if schedule.expression.startswith("cron("):
            return next_cron(schedule.expression, datetime.fromtimestamp(now, UTC)).timestamp()
        raise ScheduleError(f"{schedule.name}: {schedule.expression!r} is neither rate(...) nor cron(...)")

    def run(self) -> None:
        while not self._stopping.is_set():
            name = min(self._due, key=self._due.__getitem__)
            if self._stopping.wait(max(0.0, self._due[name] - time.time())):
                return
            schedule = self._schedules[name]
            self._due[name] = self._next(schedule, time.time())
            rule_arn = f"arn:aws:events:{self._region}:{self._account}:rule/{name}"
            event = (
                json.loads(schedule.input)
                if schedule.input
                else scheduled_event(rule_arn, self._region, self._account)
            )
            try:
                self._invoke(schedule.function_id, event)
            except Exception as exc:  # noqa: BLE001 - EventBridge logs and carries on
                log(event="schedule_failed", schedule=name, error=str(exc))
            self.fired[name] += 1

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)
