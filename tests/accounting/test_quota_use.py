"""The proxy's view of quota use: its own rows at once, the database's totals without counting twice,
OPDs with their sub-units, categories per employee, and periods that reset in local time."""

from __future__ import annotations

import ipaddress
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from accounting.periods import period_end, period_start, resets_at
from accounting.quota_use import Quota, QuotaUse
from accounting.records import UsageRecord

JAKARTA = ZoneInfo("Asia/Jakarta")
NOON = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # Wednesday 2 December, 12:00 in Jakarta
BUDI, SITI = 7, 8
DISKOMINFO, BIDANG = 3, 4  # BIDANG is a sub-unit of DISKOMINFO


def row(
    employee: int = BUDI, org: int = BIDANG, down: int = 1000, at: datetime = NOON, category: str = ""
) -> UsageRecord:
    ip = ipaddress.ip_address("198.18.1.2")
    return UsageRecord(
        at, employee, org, ip, "video.test", "https", "GET", 200, "allow", category, "", 0, down, 0, down, 5
    )


def use(*quotas: Quota) -> QuotaUse:
    q = QuotaUse(JAKARTA)
    q.quotas = quotas
    q.org_paths = {DISKOMINFO: (DISKOMINFO,), BIDANG: (DISKOMINFO, BIDANG)}
    return q


ORG_PATH = (DISKOMINFO, BIDANG)


def used(
    q: QuotaUse,
    employee: int = BUDI,
    org_path: tuple[int, ...] = ORG_PATH,
    category: str = "",
    now: datetime = NOON,
) -> list[int]:
    return [c.used for c in q.checks(employee, org_path, category, now)]


def test_periods_reset_at_local_midnight_monday_and_the_first() -> None:
    wednesday = date(2026, 12, 2)
    assert period_start("day", wednesday) == wednesday and period_end("day", wednesday) == date(2026, 12, 3)
    assert period_start("week", wednesday) == date(2026, 11, 30)  # Monday
    assert period_start("week", date(2026, 12, 6)) == date(2026, 11, 30)  # Sunday is still that week
    assert period_start("month", wednesday) == date(2026, 12, 1)
    assert period_end("month", date(2026, 12, 31)) == date(2027, 1, 1)
    assert resets_at("day", NOON, JAKARTA) == datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # midnight in Jakarta


def test_an_employee_quota_counts_own_rows_at_once_and_only_theirs() -> None:
    q = use(Quota(1, "employee", "day", 10_000, employee_id=BUDI))
    q.add_local(row(down=4000))
    q.add_local(row(employee=SITI, down=9000))
    assert used(q) == [4000]
    assert used(q, employee=SITI) == []  # the quota is not hers


def test_the_day_resets_at_local_midnight_but_the_week_goes_on() -> None:
    q = use(
        Quota(1, "employee", "day", 10_000, employee_id=BUDI),
        Quota(2, "employee", "week", 50_000, employee_id=BUDI),
    )
    q.add_local(row(down=4000))
    just_before = datetime(2026, 12, 2, 16, 59, tzinfo=UTC)
    just_after = just_before + timedelta(minutes=2)  # 00:01 on Thursday in Jakarta
    assert used(q, now=just_before) == [4000, 4000]
    assert used(q, now=just_after) == [0, 4000]
    monday = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)  # 00:00 Monday 7 December in Jakarta
    assert used(q, now=monday) == [0, 0]


def test_an_org_quota_counts_its_sub_units_together() -> None:
    q = use(Quota(1, "org", "month", 10**9, org_unit_id=DISKOMINFO))
    q.add_local(row(employee=BUDI, org=BIDANG, down=100))
    q.add_local(row(employee=SITI, org=DISKOMINFO, down=200))
    assert used(q) == [300]
    assert used(q, employee=SITI, org_path=(DISKOMINFO,)) == [300]
    assert used(q, org_path=(99,)) == []  # another OPD


def test_a_category_quota_counts_that_category_per_employee() -> None:
    q = use(Quota(1, "category", "day", 1000, category="video"))
    q.add_local(row(category="video", down=600))
    q.add_local(row(category="berita", down=5000))
    q.add_local(row(employee=SITI, category="video", down=50))
    assert used(q, category="video") == [600]
    assert used(q, employee=SITI, category="video") == [50]
    assert used(q, category="berita") == []


def test_committed_rows_read_back_from_the_database_are_not_counted_twice() -> None:
    q = use(Quota(1, "employee", "day", 10**9, employee_id=BUDI))
    mine = [row(down=1000), row(down=2000)]
    for r in mine:
        q.add_local(r)
    q.committed(mine)
    day = date(2026, 12, 2)
    q.apply_totals([(day, BUDI, BIDANG, "", 3000)])  # what the database now says: our own 3000
    assert used(q) == [3000]
    q.apply_totals([(day, BUDI, BIDANG, "", 3500)])  # another proxy process added 500
    q.add_local(row(down=10))  # and ours, not yet committed
    assert used(q) == [3510]


def test_forgetting_old_periods_keeps_the_current_ones() -> None:
    q = use(Quota(1, "employee", "month", 10**9, employee_id=BUDI))
    q.add_local(row(down=5, at=NOON - timedelta(days=40)))
    q.add_local(row(down=7))
    q.forget_before(date(2026, 11, 30))
    assert used(q) == [7]
