"""EventBridge Scheduler's schedule expressions and time zones, checked as Scheduler checks them, so a job's
`schedule` that would fail at deploy time is refused at its line with what is wrong.

`rate(VALUE UNIT)`: a positive whole VALUE, UNIT minute, hour or day, singular for 1 and plural otherwise.
`cron(MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR)`: six fields (a Unix cron's five and a year); one of
day-of-month and day-of-week is `?`. Time zones are IANA names, checked against the pinned tzdata package's
list (not the machine's zoneinfo folder, which differs between machines).
"""

from __future__ import annotations

import re
import reprlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

RATE = re.compile(r"rate\((?P<value>[^\x20)]*)\x20(?P<unit>[^\x20)]*)\)")
CRON = re.compile(r"cron\((?P<fields>.*)\)")
UNITS = ("minute", "hour", "day")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# No field of a cron takes a number of more than 4 digits (years end at 2199), and no rate needs more than 9:
# longer digit strings are refused as too large without converting them (Python refuses past 4,300 digits).
MAX_FIELD_DIGITS = 4
MAX_RATE_DIGITS = 9
# Names a zoneinfo folder or tzdata lists that are no IANA zone Scheduler takes:
# `localtime` is a link to the machine's own zone, `posixrules` a default for POSIX strings, `Factory` a
# placeholder zone of tzdata ("-00").
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
# Messages quote what was written, shortened: an expression of thousands of characters stays one short line.
_quote = reprlib.Repr()
_quote.maxstring = 60
shown = _quote.repr


def _cut(item: str) -> str:
    """One item of a cron field as a message names it, unquoted (`60 is outside 0-59`), at most 60 characters."""
    return item if len(item) <= _quote.maxstring else item[:_quote.maxstring - 3] + "..."


@dataclass(frozen=True)
class CronField:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # JAN.. or SUN..: names of low, low + 1, ...
    question: bool = False  # `?`: "no specific value" (day-of-month, day-of-week)

    def value(self, text: str) -> int | None:
        upper = text.upper()
        if upper in self.names:
            return self.low + self.names.index(upper)
        if not (text.isascii() and text.isdigit()):
            return None
        digits = text.lstrip("0") or "0"
        return int(digits) if len(digits) <= MAX_FIELD_DIGITS else self.high + 1  # too large: outside the range


FIELDS = (
    CronField("minutes", 0, 59),
    CronField("hours", 0, 23),
    CronField("day-of-month", 1, 31, question=True),
    CronField("month", 1, 12, MONTHS),
    CronField("day-of-week", 1, 7, DAYS, question=True),
    CronField("year", 1970, 2199),
)


def check_schedule(text: str) -> str:
    """The expression as given, or ValueError saying what Scheduler would refuse in it."""
    if text.startswith("rate("):
        _check_rate(text)
    elif text.startswith("cron("):
        _check_cron(text)
    else:
        raise ValueError(f"{shown(text)} is not a schedule: write rate(VALUE UNIT) such as rate(1 hour), or "
                         "cron(MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR) such as cron(0 3 * * ? *)")
    return text


def _check_rate(text: str) -> None:
    found = RATE.fullmatch(text)
    if found is None:
        raise ValueError(f"{shown(text)} is not a rate: write rate(VALUE UNIT) with one space, "
                         "such as rate(5 minutes)")
    value, unit = found["value"], found["unit"]
    if not (value.isascii() and value.isdigit()) or not value.strip("0"):
        raise ValueError(f"{shown(text)}: the rate's value is a whole number of at least 1, not {shown(value)}")
    value = value.lstrip("0")
    if len(value) > MAX_RATE_DIGITS:
        raise ValueError(f"{shown(text)}: the rate's value {shown(value)} is too large; give a rate in a larger "
                         "unit (days)")
    singular = unit.removesuffix("s")
    if singular not in UNITS:
        raise ValueError(f"{shown(text)}: the rate's unit is minute(s), hour(s) or day(s), not {shown(unit)}")
    wanted = singular if int(value) == 1 else singular + "s"
    if unit != wanted:
        raise ValueError(f"{shown(text)}: Scheduler wants `{wanted}` with the value {value}, "
                         f"as in rate({value} {wanted})")


def _check_cron(text: str) -> None:
    found = CRON.fullmatch(text)
    if found is None:
        raise ValueError(f"{shown(text)} does not end in `)`: "
                         "write cron(MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR)")
    fields = found["fields"].split()
    if len(fields) != len(FIELDS):
        hint = "; a Unix cron has five: add the year (`*`)" if len(fields) == 5 else ""
        raise ValueError(f"{shown(text)}: cron takes six fields (minutes hours day-of-month month day-of-week "
                         "year), "
                         f"found {len(fields)}{hint}")
    for field, value in zip(FIELDS, fields, strict=True):
        problem = _field_problem(field, value)
        if problem:
            raise ValueError(f"{shown(text)}: {field.name} {shown(value)}: {problem}")
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ValueError(f"{shown(text)}: exactly one of day-of-month ({_cut(day_of_month)}) and day-of-week "
                         f"({_cut(day_of_week)}) "
                         "is `?`: Scheduler takes one of them, such as cron(0 3 * * ? *) for every day")


def _field_problem(field: CronField, text: str) -> str | None:
    """What is wrong with one cron field, or None."""
    if text == "?":
        return None if field.question else "`?` is only for day-of-month or day-of-week"
    if field.question and text in ("L", "LW") and field.name == "day-of-month":
        return None
    for item in text.split(","):
        problem = _item_problem(field, item)
        if problem:
            return problem
    return None


def _item_problem(field: CronField, item: str) -> str | None:
    span = f"{field.low}-{field.high}" + (f" or {field.names[0]}-{field.names[-1]}" if field.names else "")
    if field.name == "day-of-month" and item.endswith("W") and item != "W":  # the weekday nearest day N
        day = field.value(item[:-1])
        in_range = day is not None and field.low <= day <= field.high
        return None if in_range else f"{_cut(item)} needs a day {span} before W"
    if field.name == "day-of-week" and "#" in item:  # the Nth such day of the month
        day, _, nth = item.partition("#")
        ok = field.value(day) is not None and nth in ("1", "2", "3", "4", "5")
        return None if ok and field.low <= (field.value(day) or 0) <= field.high else \
            f"{_cut(item)} is DAY#N with a day {span} and N 1-5"
    if field.name == "day-of-week" and item.endswith("L") and item != "L":  # the last such day of the month
        day = field.value(item[:-1])
        in_range = day is not None and field.low <= day <= field.high
        return None if in_range else f"{_cut(item)} needs a day {span} before L"
    if field.name == "day-of-week" and item == "L":
        return None
    base, slash, step = item.partition("/")
    if slash and not (step.isascii() and step.isdigit() and step.strip("0")):
        return f"the step after / is a whole number of at least 1, not {shown(step)}"
    if base == "*":
        return None
    low_text, dash, high_text = base.partition("-")
    low = field.value(low_text)
    high = field.value(high_text) if dash else low
    if low is None or high is None:
        return f"{shown(item)} is not a value {span}, a range A-B, a step A/N or *"
    if not (field.low <= low <= field.high and field.low <= high <= field.high):
        return f"{_cut(item)} is outside {span}"
    return None


@cache
def _zones() -> frozenset[str]:
    # The pinned tzdata package's list, not this machine's zoneinfo folder: the same blueprint loads the same
    # on every machine (a slim container or Windows has no folder; another distribution another version).
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return frozenset(listed) - NOT_ZONES


def check_timezone(text: str) -> str:
    if text not in _zones():
        close = sorted(zone for zone in _zones() if zone.lower() == text.lower())
        hint = f"; did you mean {close[0]}?" if close else " such as Europe/Berlin or UTC"
        raise ValueError(f"{shown(text)} is not an IANA time zone name{hint}")
    return text
