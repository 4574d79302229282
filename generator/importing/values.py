"""Copilot's value forms in the blueprint's terms: Go durations, job schedules, names, ranges.

Each function returns the blueprint's value, or raises ValueError with the reason it has none.
"""

from __future__ import annotations

import math
import re

from generator.blueprint.types import NAME_PATTERN

# Go's time.ParseDuration units (Copilot's durations: `30s`, `1h30m`, `250ms`), in seconds.
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)")

# Copilot's preset schedules as it writes them for EventBridge (minute hour day-of-month month day-of-week year).
_PRESETS = {
    "@hourly": "cron(0 * * * ? *)",
    "@daily": "cron(0 0 * * ? *)",
    "@midnight": "cron(0 0 * * ? *)",
    "@weekly": "cron(0 0 ? * 1 *)",
    "@monthly": "cron(0 0 1 * ? *)",
    "@yearly": "cron(0 0 1 1 ? *)",
    "@annually": "cron(0 0 1 1 ? *)",
}
_RATE = re.compile(r"rate\(\s*([1-9][0-9]*)\s+(minute|minutes|hour|hours|day|days)\s*\)")
_CRON = re.compile(r"cron\(\s*(\S+(?:\s+\S+){5})\s*\)")
_CRON_FIELD = re.compile(r"[0-9A-Za-z*?,/#LW-]+")


def seconds(text: str) -> float:
    """A Go duration (`1h30m`, `45s`, `250ms`) in seconds."""
    body = text.strip()
    sign = -1 if body.startswith("-") else 1
    body = body.lstrip("+-")
    if body == "0":
        return 0.0
    parts = _DURATION_PART.findall(body)
    if not parts or "".join(number + unit for number, unit in parts) != body:
        raise ValueError(f"{text!r} is not a duration such as 30s, 5m or 1h30m")
    return sign * sum(float(number) * _UNITS[unit] for number, unit in parts)


def schedule(text: str) -> str:
    """A Copilot `on.schedule` as the blueprint's `cron(...)` or `rate(...)`."""
    value = " ".join(text.split())
    if value in _PRESETS:
        return _PRESETS[value]
    if value.startswith("@every "):
        total = seconds(value.removeprefix("@every "))
        if total < 60 or total % 60:
            raise ValueError(f"{text!r}: a schedule's interval is whole minutes, at least one")
        minutes = int(total // 60)
        if minutes % 1440 == 0:
            return _rate(minutes // 1440, "day")
        if minutes % 60 == 0:
            return _rate(minutes // 60, "hour")
        return _rate(minutes, "minute")
    if _RATE.fullmatch(value):
        return value
    if _CRON.fullmatch(value):
        return value
    fields = value.split(" ")
    if len(fields) == 5 and all(_CRON_FIELD.fullmatch(field) for field in fields):
        return _aws_cron(fields)
    raise ValueError(f"{text!r} is not a schedule Copilot reads (@daily, @every 1h, rate(...), cron(...), "
                     "or five cron fields)")


def _rate(count: int, unit: str) -> str:
    return f"rate({count} {unit}{'s' if count != 1 else ''})"


def _aws_cron(fields: list[str]) -> str:
    """Five standard cron fields as EventBridge's six: `?` in one of the day fields, days of the week
    counted from 1 (Sunday) instead of 0, and a year."""
    minute, hour, day, month, weekday = fields
    day_given, weekday_given = not set(day) & set("*?"), not set(weekday) & set("*?")
    if day_given and weekday_given:
        raise ValueError(f"{' '.join(fields)!r} names both a day of the month and a day of the week; "
                         "EventBridge takes one")
    if weekday_given:
        day = "?"
        weekday = re.sub(r"(?<!/)[0-9]+", lambda match: str(int(match.group(0)) % 7 + 1), weekday)
    else:
        day, weekday = (day if day_given else "*"), "?"
    return f"cron({minute} {hour} {day} {month} {weekday} *)"


def whole_minutes(text: str) -> tuple[int, bool]:
    """A duration in minutes, rounded up, and whether it was whole minutes already."""
    total = seconds(text)
    if total <= 0:
        raise ValueError(f"{text!r} is not a positive duration")
    return math.ceil(total / 60), total % 60 == 0


def name(text: str) -> str:
    """A Copilot name (application, service, environment, topic) the blueprint accepts as it is."""
    if not re.fullmatch(NAME_PATTERN, text):
        raise ValueError(f"{text!r} is not a blueprint name (1-32 of a-z, 0-9 and '-', starting with a letter)")
    return text


def task_range(value: object) -> tuple[int, int]:
    """`count.range` as (min, max): the text `1-10`, or min/max given as a mapping by the caller."""
    match = re.fullmatch(r"\s*([0-9]+)\s*-\s*([0-9]+)\s*", value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{value!r} is not a range such as 1-10")
    low, high = int(match.group(1)), int(match.group(2))
    if low > high:
        raise ValueError(f"{value!r}: the minimum is above the maximum")
    return low, high
