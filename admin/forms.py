"""Reading a submitted form: text of bounded length, whole numbers, days and clock times."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from datetime import date, time

MAX_INTEGER = 2**31 - 1  # PostgreSQL integer: a larger id or position would fail there (500), not here (400)
_CLOCK = re.compile(r"[0-9]{2}:[0-9]{2}(?::[0-9]{2})?")  # what a browser's <input type="time"> sends


class FormError(ValueError):
    """A field that cannot be read; the message names the field, for the person who filled it in."""


def text(form: Mapping[str, object], name: str, max_length: int) -> str:
    """The field stripped; refused when longer than `max_length` (cutting it would change its meaning)."""
    value = form.get(name, "")
    if not isinstance(value, str):
        raise FormError(f"{name}: expected text, not a file")
    value = value.strip()
    if len(value) > max_length:
        raise FormError(f"{name}: longer than {max_length} characters")
    return value


def whole_number(
    form: Mapping[str, object], name: str, *, minimum: int = 1, maximum: int = MAX_INTEGER
) -> int | None:
    """A whole number from `minimum` to `maximum`, or None when the field is empty."""
    raw = text(form, name, 100)
    if not raw:
        return None
    if not (raw.isascii() and raw.isdecimal()) or not minimum <= int(raw) <= maximum:
        raise FormError(f"{name}: expected a whole number from {minimum} to {maximum}, got {raw!r}")
    return int(raw)


def day(form: Mapping[str, object], name: str) -> date:
    raw = text(form, name, 100)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FormError(f"{name}: expected a date as YYYY-MM-DD, got {raw!r}") from None


def clock(form: Mapping[str, object], name: str) -> time | None:
    """A time of day as HH:MM (browsers' time inputs send that), or None when the field is empty."""
    raw = text(form, name, 100)
    if not raw:
        return None
    if _CLOCK.fullmatch(raw):
        with contextlib.suppress(ValueError):  # 25:00 has the shape of a time but is none
            return time.fromisoformat(raw)
    raise FormError(f"{name}: expected a time as HH:MM, got {raw!r}")
