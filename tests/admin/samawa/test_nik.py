"""The NIK's structure: region prefix, date of birth (+40 for women, a real date), serial."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from admin.samawa.nik import PROVINCES, check_nik, looks_like_nik


def make_nik(province: int, regency: int, district: int, birth: date, *, woman: bool, serial: int) -> str:
    day = birth.day + (40 if woman else 0)
    born = f"{day:02d}{birth.month:02d}{birth.year % 100:02d}"
    return f"{province:02d}{regency:02d}{district:02d}{born}{serial:04d}"


Parts = tuple[int, int, int, date, bool, int]
valid_parts = st.tuples(
    st.sampled_from(sorted(PROVINCES)),
    st.integers(1, 99),
    st.integers(1, 99),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    st.booleans(),
    st.integers(1, 9999),
)


@given(valid_parts)
def test_every_well_formed_nik_is_accepted(parts: Parts) -> None:
    province, regency, district, birth, woman, serial = parts
    nik = make_nik(province, regency, district, birth, woman=woman, serial=serial)
    assert check_nik(nik) is None
    assert looks_like_nik(nik)


@given(valid_parts, st.sampled_from(["province", "regency", "district", "serial"]))
def test_a_zero_or_unknown_region_or_serial_is_refused(parts: Parts, part: str) -> None:
    province, regency, district, birth, woman, serial = parts
    nik = make_nik(province, regency, district, birth, woman=woman, serial=serial)
    broken = {
        "province": "00" + nik[2:],
        "regency": nik[:2] + "00" + nik[4:],
        "district": nik[:4] + "00" + nik[6:],
        "serial": nik[:12] + "0000",
    }[part]
    assert check_nik(broken) is not None
    assert not looks_like_nik(broken)


@given(st.integers(0, 99).filter(lambda p: p not in PROVINCES), valid_parts)
def test_a_number_that_is_not_a_province_is_refused(province: int, parts: Parts) -> None:
    _, regency, district, birth, woman, serial = parts
    nik = make_nik(province, regency, district, birth, woman=woman, serial=serial)
    assert check_nik(nik) == f"{province:02d} is not a province code"


@given(st.integers(1, 12), st.integers(0, 99), st.integers(0, 99))
def test_the_day_must_exist_in_the_month_for_men_and_women(month: int, day: int, year: int) -> None:
    nik = f"337401{day:02d}{month:02d}{year:02d}0001"
    real_day = day - 40 if day > 40 else day

    def exists(full_year: int) -> bool:
        try:
            date(full_year, month, real_day)
        except ValueError:
            return False
        return True

    assert (check_nik(nik) is None) == (exists(1900 + year) or exists(2000 + year))


@given(st.text(max_size=20))
def test_arbitrary_text_never_crashes(value: str) -> None:
    reason = check_nik(value)
    assert reason is None or isinstance(reason, str)
    if not (len(value) == 16 and value.isascii() and value.isdigit()):
        assert reason == "a NIK has exactly 16 digits"


@pytest.mark.parametrize(
    ("nik", "reason"),
    [
        ("3374011201900001", None),  # a man born 12-01-1990 in Semarang Tengah
        ("3374015201900001", None),  # a woman born 12-01-1990 (52 = 12 + 40)
        ("3374017101900001", None),  # a woman born on the 31st (71 = 31 + 40)
        ("3374012902000001", None),  # 29-02-2000 existed
        ("3374016902000001", None),  # the same date, a woman
        ("3374012902040001", None),  # 29-02-2004 (20YY) although 1904 also leap
        ("3374013102900001", "31-02 is not a date of birth (women add 40 to the day)"),
        ("3374012902010001", "29 February did not exist in 1901 nor in 2001"),
        ("3374013204900001", "32-04 is not a date of birth (women add 40 to the day)"),
        ("3374013104900001", "31-04 is not a date of birth (women add 40 to the day)"),
        ("3374017204900001", "72-04 is not a date of birth (women add 40 to the day)"),
        ("3374014001900001", "40-01 is not a date of birth (women add 40 to the day)"),
        ("3374010001900001", "00-01 is not a date of birth (women add 40 to the day)"),
        ("3374011213900001", "13 is not a month"),
        ("3374011200900001", "00 is not a month"),
        ("3374011201900000", "the serial number starts at 0001"),
        ("1000011201900001", "10 is not a province code"),
        ("9700011201900001", "97 is not a province code"),
        ("3300011201900001", "the regency/city code cannot be 00"),
        ("3374001201900001", "the district code cannot be 00"),
        ("337401120190000", "a NIK has exactly 16 digits"),
        ("33740112019000011", "a NIK has exactly 16 digits"),
        ("33740112019000a1", "a NIK has exactly 16 digits"),
        ("３３７４０１１２０１９０００１", "a NIK has exactly 16 digits"),  # full-width digits
        ("", "a NIK has exactly 16 digits"),
    ],
)
def test_hand_cases(nik: str, reason: str | None) -> None:
    assert check_nik(nik) == reason


def test_the_new_papua_provinces_are_provinces() -> None:
    for province in (91, 92, 93, 94, 95, 96):
        assert check_nik(f"{province}01011201900001") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3374011201900001", True),
        ("3374 0112 0190 0001", True),
        ("3374-0112-0190-0001", True),
        ("33.74.01.120190.0001", True),
        (" 3374011201900001 ", True),
        ("3374011231900001", False),  # 12-31: no 31st month
        ("4111111111111111", False),  # a test card number: 41 is no province
        ("08123456789", False),  # a phone number
        ("3374 0112 0190 00011", False),
        ("", False),
    ],
)
def test_looks_like_nik_reads_grouped_writing(value: str, expected: bool) -> None:
    assert looks_like_nik(value) is expected


def test_every_day_of_a_century_is_accepted_once_for_men_and_women() -> None:
    # Exhaustive over 1950-2049: every real date must pass, both ways.
    day = date(1950, 1, 1)
    while day < date(2050, 1, 1):
        assert check_nik(make_nik(33, 74, 1, day, woman=False, serial=1)) is None
        assert check_nik(make_nik(33, 74, 1, day, woman=True, serial=1)) is None
        day += timedelta(days=1)
