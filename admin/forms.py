"""Reading a submitted form: text of bounded length, whole numbers, days and clock times."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from datetime import date, time
from typing import ClassVar

from multidict import MultiMapping

from smedi.refusals import Refusal

MAX_INTEGER = 2**31 - 1  # PostgreSQL integer: a larger id or position would fail there (500), not here (400)
_CLOCK = re.compile(r"[0-9]{2}:[0-9]{2}(?::[0-9]{2})?")  # what a browser's <input type="time"> sends


class FormError(Refusal):
    """A field that cannot be read; the message names the field, for the person who filled it in."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "form_not_text": "{field}: expected text, not a file",
        "form_too_long": "{field}: longer than {max_length} characters",
        "form_whole_number": "{field}: expected a whole number from {minimum} to {maximum}, got {raw!r}",
        "form_date": "{field}: expected a date as YYYY-MM-DD, got {raw!r}",
        "form_time": "{field}: expected a time as HH:MM, got {raw!r}",
        # what the views ask for beyond single fields
        "form_which_rule": "id: which rule?",
        "form_which_schedule": "id: which schedule?",
        "form_which_quota": "id: which quota?",
        "form_list_file": "list_file: choose a list file to upload",
        "form_window_half": "weekday {weekday}: give both the start and the end, or neither",
    }


def _text(name: str, value: object, max_length: int) -> str:
    if not isinstance(value, str):
        raise FormError("form_not_text", field=name)
    value = value.strip()
    if len(value) > max_length:
        raise FormError("form_too_long", field=name, max_length=max_length)
    return value


def text(form: Mapping[str, object], name: str, max_length: int) -> str:
    """The field stripped; refused when longer than `max_length` (cutting it would change its meaning)."""
    return _text(name, form.get(name, ""), max_length)


def whole_number(
    form: Mapping[str, object], name: str, *, minimum: int = 1, maximum: int = MAX_INTEGER
) -> int | None:
    """A whole number from `minimum` to `maximum`, or None when the field is empty."""
    raw = text(form, name, 100)
    if not raw:
        return None
    if not (raw.isascii() and raw.isdecimal()) or not minimum <= int(raw) <= maximum:
        raise FormError("form_whole_number", field=name, minimum=minimum, maximum=maximum, raw=raw)
    return int(raw)


def day(form: Mapping[str, object], name: str) -> date:
    raw = text(form, name, 100)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FormError("form_date", field=name, raw=raw) from None


def _clock(name: str, value: object) -> time | None:
    raw = _text(name, value, 100)
    if not raw:
        return None
    if _CLOCK.fullmatch(raw):
        with contextlib.suppress(ValueError):  # 25:00 has the shape of a time but is none
            return time.fromisoformat(raw)
    raise FormError("form_time", field=name, raw=raw)


def clock(form: Mapping[str, object], name: str) -> time | None:
    """A time of day as HH:MM (browsers' time inputs send that), or None when the field is empty."""
    return _clock(name, form.get(name, ""))


def clocks(form: MultiMapping[object], name: str) -> list[time | None]:
    """Every value of a repeated time field, in form order; None for each empty one."""
    return [_clock(name, value) for value in form.getall(name, [])]
