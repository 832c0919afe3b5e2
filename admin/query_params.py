"""Reading a page's query string: bounded text, local times and days, whole numbers.

Pure functions over the query mapping; a value that cannot be read raises BadQuery, whose catalogue key
(admin/i18n_access.py) the view turns into a 400 in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_TYPED = 40  # a refused value is echoed back cut to this


class BadQuery(ValueError):
    """A query parameter that cannot be read: a CATALOGUE key and the values its text names."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params


def text(query: Mapping[str, str], name: str, max_length: int = 200) -> str | None:
    """The parameter stripped, None when absent or empty; refused when too long or not printable."""
    raw = query.get(name, "").strip()
    if len(raw) > max_length:
        raise BadQuery("query_too_long", field=name, max_length=max_length)
    if not raw.isprintable():
        raise BadQuery("query_control", field=name)
    return raw or None


def _day(name: str, raw: str) -> date:
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = None
    # The first and last days of the calendar have no UTC bounds in every time zone (OverflowError).
    if day is None or not date.min < day < date.max:
        raise BadQuery("query_day", field=name, raw=raw[:MAX_TYPED])
    return day


def day(query: Mapping[str, str], name: str, default: date) -> date:
    """A local day as YYYY-MM-DD, or `default` when the parameter is absent or empty."""
    raw = text(query, name, 100)
    return default if raw is None else _day(name, raw)


def local_moment(query: Mapping[str, str], name: str, tz: ZoneInfo, *, end: bool = False) -> datetime | None:
    """A local time as YYYY-MM-DDTHH:MM (what <input type="datetime-local"> sends; a space works too) or a
    day as YYYY-MM-DD, in `tz`; None when empty. A day alone is its start, or with `end` its end (so that
    "until 2026-03-01" includes that day)."""
    raw = text(query, name, 100)
    if raw is None:
        return None
    if len(raw) == 10:
        start = datetime.combine(_day(name, raw) + timedelta(days=1 if end else 0), time.min, tz)
        return start
    try:
        moment = datetime.fromisoformat(raw.replace(" ", "T"))
    except ValueError:
        raise BadQuery("query_moment", field=name, raw=raw[:MAX_TYPED]) from None
    if moment.tzinfo is not None or not date.min < moment.date() < date.max:
        raise BadQuery("query_moment", field=name, raw=raw[:MAX_TYPED])
    return moment.replace(tzinfo=tz)


def whole_number(query: Mapping[str, str], name: str, maximum: int = 2**63 - 1) -> int | None:
    raw = text(query, name, 100)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdecimal()) or not 1 <= int(raw) <= maximum:
        raise BadQuery("query_number", field=name, raw=raw[:MAX_TYPED])
    return int(raw)
