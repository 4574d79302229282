"""Copilot's value forms in blueprint terms: schedules (presets, @every, five-field cron, cron()/rate()),
Go durations, task ranges."""

from __future__ import annotations

import pytest

from generator.importing import values


@pytest.mark.parametrize(("copilot", "blueprint"), [
    ("@hourly", "cron(0 * * * ? *)"),
    ("@daily", "cron(0 0 * * ? *)"),
    ("@midnight", "cron(0 0 * * ? *)"),
    ("@weekly", "cron(0 0 ? * 1 *)"),
    ("@monthly", "cron(0 0 1 * ? *)"),
    ("@yearly", "cron(0 0 1 1 ? *)"),
    ("@annually", "cron(0 0 1 1 ? *)"),
    ("@every 5m", "rate(5 minutes)"),
    ("@every 1m", "rate(1 minute)"),
    ("@every 2h", "rate(2 hours)"),
    ("@every 1h30m", "rate(90 minutes)"),
    ("@every 24h", "rate(1 day)"),
    ("rate(1 hour)", "rate(1 hour)"),
    ("cron(0 3 * * ? *)", "cron(0 3 * * ? *)"),
    ("0 3 * * *", "cron(0 3 * * ? *)"),
    ("0 9 * * 1-5", "cron(0 9 ? * 2-6 *)"),  # EventBridge counts days of the week from Sunday = 1
    ("30 6 * * 0", "cron(30 6 ? * 1 *)"),
    ("0 0 1 * *", "cron(0 0 1 * ? *)"),
    ("*/15  *  * * *", "cron(*/15 * * * ? *)"),
])
def test_schedules_become_cron_or_rate(copilot: str, blueprint: str) -> None:
    assert values.schedule(copilot) == blueprint


@pytest.mark.parametrize(("copilot", "reason"), [
    ("@fortnightly", "is not a schedule Copilot reads"),
    ("@every 30s", "whole minutes, at least one"),
    ("@every 90s", "whole minutes, at least one"),
    ("@every soon", "is not a duration"),
    ("0 9 1 * 1", "names both a day of the month and a day of the week"),
    ("rate(0 minutes)", "is not a schedule Copilot reads"),
    ("every night", "is not a schedule Copilot reads"),
])
def test_a_schedule_copilot_would_refuse_has_a_reason(copilot: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        values.schedule(copilot)


@pytest.mark.parametrize(("text", "seconds"), [
    ("30s", 30), ("1h30m", 5400), ("250ms", 0.25), ("2m", 120), ("0", 0), ("1.5h", 5400),
])
def test_go_durations(text: str, seconds: float) -> None:
    assert values.seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "10", "5 minutes", "1d", "m5", "1h 30m"])
def test_what_go_refuses_as_a_duration_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        values.seconds(text)


def test_timeouts_round_up_to_whole_minutes() -> None:
    assert values.whole_minutes("30m") == (30, True)
    assert values.whole_minutes("90s") == (2, False)
    with pytest.raises(ValueError):
        values.whole_minutes("0s")


@pytest.mark.parametrize(("text", "bounds"), [("1-10", (1, 10)), (" 0 - 3 ", (0, 3))])
def test_task_ranges(text: str, bounds: tuple[int, int]) -> None:
    assert values.task_range(text) == bounds


@pytest.mark.parametrize("text", ["10-1", "1..10", "ten", "-1-5"])
def test_what_is_no_task_range_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        values.task_range(text)
