"""Schedule expressions of the local scheduler (rate fully, cron's common forms)."""

from datetime import UTC, datetime

import pytest

from shop_local.event_mappings.scheduler import ScheduleError, next_cron, rate_seconds

AT = datetime(2025, 3, 12, 10, 15, 30, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(1 hour)", 3600), ("rate(2 days)", 172800)],
)
def test_rates(expression, seconds):
    assert rate_seconds(expression) == seconds


@pytest.mark.parametrize("expression", ["rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)"])
def test_malformed_rates(expression):
    with pytest.raises(ScheduleError):
        rate_seconds(expression)


def test_cron_is_not_a_rate():
    assert rate_seconds("cron(0 12 * * ? *)") is None


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(* * * * ? *)", datetime(2025, 3, 12, 10, 16, tzinfo=UTC)),
        ("cron(0/15 * * * ? *)", datetime(2025, 3, 12, 10, 30, tzinfo=UTC)),
        ("cron(0 12 * * ? *)", datetime(2025, 3, 12, 12, 0, tzinfo=UTC)),
        ("cron(0 8 * * ? *)", datetime(2025, 3, 13, 8, 0, tzinfo=UTC)),
        ("cron(0 8 ? * MON-FRI *)", datetime(2025, 3, 13, 8, 0, tzinfo=UTC)),
        ("cron(0 8 ? * SUN *)", datetime(2025, 3, 16, 8, 0, tzinfo=UTC)),
        ("cron(0 8 ? * 1 *)", datetime(2025, 3, 16, 8, 0, tzinfo=UTC)),
        ("cron(30 2 1 * ? *)", datetime(2025, 4, 1, 2, 30, tzinfo=UTC)),
        ("cron(0 0 1 JAN ? 2026)", datetime(2026, 1, 1, 0, 0, tzinfo=UTC)),
    ],
)
def test_next_cron(expression, expected):
    assert next_cron(expression, AT) == expected


@pytest.mark.parametrize("expression", ["cron(0 8 L * ? *)", "cron(0 8 * *)", "cron(0 25 * * ? *)"])
def test_unsupported_cron_is_refused_clearly(expression):
    with pytest.raises(ScheduleError):
        next_cron(expression, AT)
