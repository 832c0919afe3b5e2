"""Reading submitted fields: what a browser sends is read, anything else is a FormError naming the field."""

from __future__ import annotations

from datetime import date, time

import pytest

from admin.forms import MAX_INTEGER, FormError, clock, day, text, whole_number


def test_text_is_stripped_and_bounded() -> None:
    assert text({"note": "  uji  "}, "note", 10) == "uji"
    assert text({}, "note", 10) == ""
    with pytest.raises(FormError, match="note: longer than 3 characters"):
        text({"note": "abcd"}, "note", 3)
    with pytest.raises(FormError, match="note: expected text"):
        text({"note": b"bytes"}, "note", 10)


@pytest.mark.parametrize(
    ("raw", "expected"), [("", None), ("1", 1), (" 42 ", 42), (str(MAX_INTEGER), MAX_INTEGER)]
)
def test_whole_numbers(raw: str, expected: int | None) -> None:
    assert whole_number({"n": raw}, "n") == expected


@pytest.mark.parametrize("raw", ["0", "-1", "1.5", "abc", "١", str(MAX_INTEGER + 1), "9" * 13])
def test_not_a_whole_number_in_range(raw: str) -> None:
    with pytest.raises(FormError, match="n: expected a whole number"):
        whole_number({"n": raw}, "n")


@pytest.mark.parametrize(
    ("raw", "expected"), [("", None), ("07:30", time(7, 30)), ("23:59:59", time(23, 59, 59))]
)
def test_clock_times(raw: str, expected: time | None) -> None:
    assert clock({"t": raw}, "t") == expected


@pytest.mark.parametrize("raw", ["7:30", "0730", "07", "25:00", "07:60", "07:30+07:00", "siang"])
def test_not_a_clock_time(raw: str) -> None:
    with pytest.raises(FormError, match="t: expected a time as HH:MM"):
        clock({"t": raw}, "t")


def test_days() -> None:
    assert day({"d": "2025-08-17"}, "d") == date(2025, 8, 17)
    for raw in ("", "17-08-2025", "2025-02-30"):
        with pytest.raises(FormError, match="d: expected a date as YYYY-MM-DD"):
            day({"d": raw}, "d")
