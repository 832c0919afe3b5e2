"""Quota periods in local time (SMEDI_TZ): a day from midnight, a week from Monday, a month from the 1st."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Period = Literal["day", "week", "month"]
PERIODS: tuple[Period, ...] = ("day", "week", "month")


def period_start(period: Period, day: date) -> date:
    """The local date on which the period holding `day` began."""
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def period_end(period: Period, day: date) -> date:
    """The local date on which the next period begins (exclusive end)."""
    start = period_start(period, day)
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    return (start + timedelta(days=32)).replace(day=1)


def local_day(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def resets_at(period: Period, instant: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant at which the period holding `instant` ends: local midnight of its end date."""
    end = period_end(period, local_day(instant, tz))
    return datetime.combine(end, time.min, tz).astimezone(UTC)
