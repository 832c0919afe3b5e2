"""The structure of the NIK (Nomor Induk Kependudukan), the 16-digit national ID.

PP KK CC DDMMYY SSSS: province, regency/city and district of first registration (Kemendagri codes),
the date of birth with 40 added to the day for women, and a serial from 0001. Only the structure can be
checked offline; whether a NIK was really issued is Dukcapil's to say.
"""

from __future__ import annotations

# Kemendagri province codes: 11-19 Sumatra, 21 Kepulauan Riau, 31-36 Java, 51-53 Bali and Nusa Tenggara,
# 61-65 Kalimantan, 71-76 Sulawesi, 81-82 Maluku, 91-96 Papua (93-96 since the 2022 provinces; NIKs first
# registered there carry them). A set, not a range: 20 or 40 are not provinces, so a random number is
# less likely to pass for a NIK.
PROVINCES = frozenset(
    [
        *range(11, 20),
        21,
        *range(31, 37),
        *range(51, 54),
        *range(61, 66),
        *range(71, 77),
        81,
        82,
        *range(91, 97),
    ]
)
_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_WOMEN_DAY_OFFSET = 40
_SEPARATORS = str.maketrans("", "", " .-")


def check_nik(value: str) -> str | None:
    """None when `value` is a structurally valid NIK, otherwise the reason (English, for the sender)."""
    if not isinstance(value, str) or len(value) != 16 or not (value.isascii() and value.isdigit()):
        return "a NIK has exactly 16 digits"
    if int(value[0:2]) not in PROVINCES:
        return f"{value[0:2]} is not a province code"
    if value[2:4] == "00":
        return "the regency/city code cannot be 00"
    if value[4:6] == "00":
        return "the district code cannot be 00"
    day, month, year = int(value[6:8]), int(value[8:10]), int(value[10:12])
    if day > _WOMEN_DAY_OFFSET:
        day -= _WOMEN_DAY_OFFSET  # women: 41-71
    if not 1 <= month <= 12:
        return f"{value[8:10]} is not a month"
    if not 1 <= day <= _DAYS_IN_MONTH[month]:
        return f"{value[6:8]}-{value[8:10]} is not a date of birth (women add 40 to the day)"
    # The century is not written: accept the date when it exists in 19YY or in 20YY. Only 29 February
    # differs, and 2000 was a leap year, so 20YY is leap exactly when YY is a multiple of 4.
    if month == 2 and day == 29 and year % 4 != 0:
        return f"29 February did not exist in 19{value[10:12]} nor in 20{value[10:12]}"
    if value[12:16] == "0000":
        return "the serial number starts at 0001"
    return None


def looks_like_nik(value: str) -> bool:
    """True when `value` reads as a NIK, also written in groups ("3374 0112 …"): the privacy gate."""
    if not isinstance(value, str) or not 16 <= len(value) <= 23:
        return False
    if len(value) != 16:
        value = value.strip().translate(_SEPARATORS)
    return check_nik(value) is None
