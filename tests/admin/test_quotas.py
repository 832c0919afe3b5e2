"""Quotas on a real PostgreSQL: add, list, remove, every refusal, and the use in each period."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from admin import quotas
from admin.directory import add_employee, add_org
from admin.i18n import refusal_text
from admin.quotas import QuotaError, QuotaSpec
from smedi.settings import SettingsError, parse_size

JAKARTA = ZoneInfo("Asia/Jakarta")  # UTC+7 all year: local midnight is 17:00 UTC the day before
GB = 1024**3
MB = 1024**2


@pytest.fixture
async def people(db: asyncpg.Pool) -> dict[str, int]:
    """KOTA ⊃ DISKOMINFO ⊃ BIDANG-TIK, and DISDIK on its own; one employee in each, and one in none."""
    await add_org(db, "KOTA", "Pemerintah Kota Semarang")
    await add_org(db, "DISKOMINFO", "Dinas Komunikasi dan Informatika", "KOTA")
    await add_org(db, "BIDANG-TIK", "Bidang Teknologi Informasi", "DISKOMINFO")
    await add_org(db, "DISDIK", "Dinas Pendidikan")
    where = {"budi": "DISKOMINFO", "siti": "BIDANG-TIK", "ani": "DISDIK", "tamu": None}
    return {
        name: await add_employee(db, name, "kata-sandi-uji-1", org=org, full_name=f"Uji {name}")
        for name, org in where.items()
    }


async def orgs(db: asyncpg.Pool) -> dict[str, int]:
    return {r["code"]: r["id"] for r in await db.fetch("SELECT id, code FROM org_units")}


async def use(
    db: asyncpg.Pool, day: str, employee_id: int, org_unit_id: int, category: str, up: int, down: int = 0
) -> None:
    """A row of the daily totals as the usage writer leaves it."""
    await db.execute(
        "INSERT INTO usage_daily_totals (day, employee_id, org_unit_id, category, bytes_up, bytes_down) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        date.fromisoformat(day), employee_id, org_unit_id, category, up, down,
    )  # fmt: skip


async def add(db: asyncpg.Pool, spec: QuotaSpec, actor: str = "admin") -> int:
    async with db.acquire() as conn:
        return await quotas.add_quota(conn, spec, actor)


async def audit_rows(db: asyncpg.Pool) -> list[tuple[str, str, str, dict[str, object]]]:
    rows = await db.fetch("SELECT actor, action, target, details FROM audit_log ORDER BY id")
    return [(r["actor"], r["action"], r["target"], json.loads(r["details"])) for r in rows]


def local(text: str) -> datetime:
    """A wall-clock time in Jakarta, e.g. '2025-06-15 23:59'."""
    return datetime.fromisoformat(text).replace(tzinfo=JAKARTA)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def usage_of(db: asyncpg.Pool, now: datetime) -> dict[int, quotas.QuotaUsage]:
    return {u.quota.id: u for u in await quotas.quota_usage(db, now, JAKARTA)}


def used(usage: quotas.QuotaUsage) -> list[tuple[str | None, int]]:
    """(username, or OPD code for an OPD's shared use; bytes used) per subject, in the store's order."""
    return [(s.employee or s.org, s.used) for s in usage.uses]


# Sizes: one parser for the settings, the CLI and the form


@pytest.mark.parametrize(
    ("raw", "size"),
    [
        ("1G", GB), ("500M", 500 * MB), ("1.5GB", 3 * GB // 2), (" 2 g ", 2 * GB), ("1.5g", 3 * GB // 2),
        ("500MiB", 500 * MB), ("10k", 10240), ("1T", 1024**4), ("1048576", 1048576), ("0.5K", 512),
        ("1.0000001G", GB + 107),  # a fraction of a byte is dropped
    ],
)  # fmt: skip
def test_sizes_are_read_with_the_settings_parser(raw: str, size: int) -> None:
    assert parse_size("SMEDI_SPOOL_MAX", raw) == size
    assert quotas.parse_limit(raw) == size


@pytest.mark.parametrize(
    "raw", ["", "0", "0G", "0.0001", "-1G", "1,5G", "1.5.5G", ".5G", "G", "1e9", "5ib", "1 GBB", "٥G", "lots"]
)
def test_what_is_not_a_size_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError) as not_a_size:
        parse_size("SMEDI_SPOOL_MAX", raw)
    assert str(not_a_size.value) == f"SMEDI_SPOOL_MAX: expected a size such as 500M, 1.5G or 2G, got {raw!r}"
    with pytest.raises(QuotaError) as refused:
        quotas.parse_limit(raw)
    assert refused.value.key == "quota_limit_invalid"


def test_limits_are_bounded_and_whole_numbers_taken_as_bytes() -> None:
    assert quotas.parse_limit(1) == 1
    assert quotas.parse_limit("1024T") == quotas.MAX_LIMIT
    for too_large in ("1025T", "99999999999999999999999T", quotas.MAX_LIMIT + 1):
        with pytest.raises(QuotaError) as refused:
            quotas.parse_limit(too_large)
        assert refused.value.key == "quota_limit_too_large"
        assert str(refused.value) == "limit: at most 1024T"
    for not_positive in (0, -5):
        with pytest.raises(QuotaError) as refused:
            quotas.parse_limit(not_positive)
        assert refused.value.key == "quota_limit_invalid"


def test_a_refusal_reads_in_both_languages() -> None:
    refusal = QuotaError("quota_unknown_org", code="DINAS-X")
    assert str(refusal) == refusal_text(refusal, "en") == "unknown OPD 'DINAS-X'"
    assert refusal_text(refusal, "id") == "OPD 'DINAS-X' tidak dikenal"
    invalid = QuotaError("quota_limit_invalid", raw="1,5G")
    assert refusal_text(invalid, "id") == (
        "batas: harus berupa ukuran seperti 500M, 1.5G atau 2G (titik untuk desimal), bukan '1,5G'"
    )


# Add, list, remove


async def test_add_list_and_remove_each_kind_with_audit(db: asyncpg.Pool, people: dict[str, int]) -> None:
    first = await add(db, QuotaSpec("employee", "day", "2G", employee=" BUDI ", note=" uji coba "))
    second = await add(db, QuotaSpec("org", "month", 500 * GB, org="DISKOMINFO"), actor="cli:root")
    third = await add(db, QuotaSpec("category", "week", "1.5G", category="streaming"))
    fourth = await add(db, QuotaSpec("category", "day", "300M", category="media-sosial", org="DISDIK"))
    fifth = await add(db, QuotaSpec("category", "day", "300M", category="media-sosial", employee="siti"))
    listed = await quotas.list_quotas(db)
    assert [q.id for q in listed] == [first, second, third, fourth, fifth]
    by_id = {q.id: q for q in listed}
    budi = by_id[first]
    assert (budi.scope, budi.period, budi.limit_bytes, budi.note, budi.created_by) == (
        "employee", "day", 2 * GB, "uji coba", "admin"
    )  # fmt: skip
    assert (budi.employee, budi.employee_name, budi.org, budi.category) == ("budi", "Uji budi", None, None)
    opd = by_id[second]
    assert (opd.org, opd.org_name, opd.employee, opd.created_by) == (
        "DISKOMINFO", "Dinas Komunikasi dan Informatika", None, "cli:root"
    )  # fmt: skip
    video = by_id[third]
    assert (video.category, video.category_name_id, video.category_name_en) == (
        "streaming", "Streaming video", "Video streaming"
    )  # fmt: skip
    assert video.limit_bytes == 3 * GB // 2
    assert [q.target for q in listed] == [
        "employee budi",
        "OPD DISKOMINFO with the OPDs under it, together",
        "category streaming for each employee",
        "category media-sosial for each employee of OPD DISDIK",
        "category media-sosial for employee siti",
    ]

    async with db.acquire() as conn:
        removed = await quotas.remove_quota(conn, first, "admin")
    assert removed == budi
    assert [q.id for q in await quotas.list_quotas(db)] == [second, third, fourth, fifth]
    audit = await audit_rows(db)
    assert [(actor, action, target) for actor, action, target, _ in audit] == [
        ("admin", "quota_added", str(first)),
        ("cli:root", "quota_added", str(second)),
        ("admin", "quota_added", str(third)),
        ("admin", "quota_added", str(fourth)),
        ("admin", "quota_added", str(fifth)),
        ("admin", "quota_removed", str(first)),
    ]
    added = {"scope": "employee", "employee": "budi", "org": None, "category": None, "period": "day",
             "limit_bytes": 2 * GB, "note": "uji coba"}  # fmt: skip
    assert audit[0][3] == added
    assert audit[-1][3] == {**added, "created_by": "admin"}


@pytest.mark.parametrize(
    ("spec", "key"),
    [
        (QuotaSpec("galaxy", "day", "1G", employee="budi"), "quota_unknown_scope"),
        (QuotaSpec("employee", "year", "1G", employee="budi"), "quota_unknown_period"),
        (QuotaSpec("employee", "", "1G", employee="budi"), "quota_unknown_period"),
        (QuotaSpec("employee", "day", "1G"), "quota_employee_target"),
        (QuotaSpec("employee", "day", "1G", employee="  "), "quota_employee_target"),
        (QuotaSpec("employee", "day", "1G", employee="budi", org="DISKOMINFO"), "quota_employee_target"),
        (QuotaSpec("employee", "day", "1G", employee="budi", category="streaming"), "quota_employee_target"),
        (QuotaSpec("org", "day", "1G"), "quota_org_target"),
        (QuotaSpec("org", "day", "1G", org="DISKOMINFO", employee="budi"), "quota_org_target"),
        (QuotaSpec("org", "day", "1G", org="DISKOMINFO", category="streaming"), "quota_org_target"),
        (QuotaSpec("category", "day", "1G"), "quota_category_target"),
        (QuotaSpec("category", "day", "1G", employee="budi"), "quota_category_target"),
        (QuotaSpec("category", "day", "1G", category="streaming", employee="budi", org="DISKOMINFO"),
         "quota_category_target"),
        (QuotaSpec("employee", "day", "1G", employee="nobody"), "quota_unknown_employee"),
        (QuotaSpec("employee", "day", "1G", employee="bu\x00di"), "quota_unknown_employee"),
        (QuotaSpec("category", "day", "1G", category="streaming", employee="nobody"),
         "quota_unknown_employee"),
        (QuotaSpec("org", "day", "1G", org="DINAS-X"), "quota_unknown_org"),
        (QuotaSpec("org", "day", "1G", org="diskominfo"), "quota_unknown_org"),  # codes are exact
        (QuotaSpec("category", "day", "1G", category="streaming", org="DINAS-X"), "quota_unknown_org"),
        (QuotaSpec("category", "day", "1G", category="tiktok"), "quota_unknown_category"),
        (QuotaSpec("category", "day", "1G", category="stream\x00ing"), "quota_unknown_category"),
        (QuotaSpec("employee", "day", "", employee="budi"), "quota_limit_invalid"),
        (QuotaSpec("employee", "day", "1,5G", employee="budi"), "quota_limit_invalid"),
        (QuotaSpec("employee", "day", 0, employee="budi"), "quota_limit_invalid"),
        (QuotaSpec("employee", "day", "2000T", employee="budi"), "quota_limit_too_large"),
        (QuotaSpec("employee", "day", "1G", employee="budi", note="x" * 201), "quota_note_too_long"),
        (QuotaSpec("employee", "day", "1G", employee="budi", note="baris\nbaru"), "quota_note_control"),
        (QuotaSpec("employee", "day", "1G", employee="budi", note="nul\x00"), "quota_note_control"),
        (QuotaSpec("employee", "day", "5G", employee="siti"), "quota_exists"),
    ],
)  # fmt: skip
async def test_a_refused_quota_changes_nothing(
    db: asyncpg.Pool, people: dict[str, int], spec: QuotaSpec, key: str
) -> None:
    kept = await add(db, QuotaSpec("employee", "day", "1G", employee="siti"))
    with pytest.raises(QuotaError) as refused:
        await add(db, spec)
    assert refused.value.key == key
    assert len(str(refused.value)) < 200
    assert [q.id for q in await quotas.list_quotas(db)] == [kept]
    assert [row[1] for row in await audit_rows(db)] == ["quota_added"]


async def test_a_duplicate_names_the_quota_it_repeats_and_other_periods_are_other_quotas(
    db: asyncpg.Pool, people: dict[str, int]
) -> None:
    first = await add(db, QuotaSpec("category", "day", "1G", category="streaming", org="DISDIK"))
    with pytest.raises(QuotaError) as refused:
        await add(db, QuotaSpec("category", "day", "2G", category="streaming", org="DISDIK"))
    assert str(refused.value) == (
        f"quota {first} already limits the same for the same period: remove it first to change the limit"
    )
    await add(db, QuotaSpec("category", "week", "5G", category="streaming", org="DISDIK"))
    await add(db, QuotaSpec("category", "day", "1G", category="streaming"))  # everyone: another target
    await add(db, QuotaSpec("category", "day", "1G", category="streaming", org="DISKOMINFO"))
    assert len(await quotas.list_quotas(db)) == 4


async def test_a_note_of_exactly_the_limit_is_kept(db: asyncpg.Pool, people: dict[str, int]) -> None:
    await add(db, QuotaSpec("employee", "day", "1G", employee="budi", note="n" * quotas.MAX_NOTE))
    [quota] = await quotas.list_quotas(db)
    assert quota.note == "n" * quotas.MAX_NOTE


async def test_removing_a_quota_that_is_not_there_is_refused(
    db: asyncpg.Pool, people: dict[str, int]
) -> None:
    async with db.acquire() as conn:
        with pytest.raises(QuotaError) as refused:
            await quotas.remove_quota(conn, 77, "admin")
    assert str(refused.value) == "no quota 77"
    assert refusal_text(refused.value, "id") == "tidak ada kuota nomor 77"
    assert await audit_rows(db) == []


async def test_quota_changes_notify_the_proxies(
    db: asyncpg.Pool, database_url: str, people: dict[str, int]
) -> None:
    listener = await asyncpg.connect(database_url)
    arrived: list[str] = []
    await listener.add_listener("quotas_changed", lambda *args: arrived.append(args[2]))

    async def drain() -> list[str]:
        for _ in range(3):  # a committed NOTIFY reaches the listener before the answer to its next query
            await listener.fetchval("SELECT 1")
            await asyncio.sleep(0)
        found = list(arrived)
        arrived.clear()
        return found

    try:
        quota_id = await add(db, QuotaSpec("employee", "day", "1G", employee="budi"))
        assert await drain() == ["quotas_changed"]
        with pytest.raises(QuotaError):
            await add(db, QuotaSpec("employee", "day", "1G", employee="budi"))
        assert await drain() == []
        async with db.acquire() as conn:
            await quotas.remove_quota(conn, quota_id, "admin")
        assert await drain() == ["quotas_changed"]
    finally:
        await listener.close()


# Use in the current period


async def test_a_week_runs_from_monday_local_midnight(db: asyncpg.Pool, people: dict[str, int]) -> None:
    budi, diskominfo = people["budi"], (await orgs(db))["DISKOMINFO"]
    quota_id = await add(db, QuotaSpec("employee", "week", "10G", employee="budi"))
    await use(db, "2025-06-08", budi, diskominfo, "", 1)  # Sunday: the week before
    await use(db, "2025-06-09", budi, diskominfo, "", 10, 20)  # Monday
    await use(db, "2025-06-12", budi, diskominfo, "streaming", 300)
    await use(db, "2025-06-15", budi, diskominfo, "", 4000)  # Sunday: the last day of the week
    await use(db, "2025-06-16", budi, diskominfo, "", 50000)  # the next Monday

    sunday_night = (await usage_of(db, local("2025-06-15 23:59:59")))[quota_id]
    assert sunday_night.period_start == date(2025, 6, 9) and sunday_night.period_end == date(2025, 6, 16)
    assert sunday_night.resets_at == utc("2025-06-15 17:00")  # Monday 00:00 in Jakarta
    assert used(sunday_night) == [("budi", 10 + 20 + 300 + 4000)]
    # The same instants written in UTC: the local day decides, not the UTC one.
    assert (await usage_of(db, utc("2025-06-15 16:59:59")))[quota_id] == sunday_night

    monday = (await usage_of(db, utc("2025-06-15 17:00")))[quota_id]
    assert monday.period_start == date(2025, 6, 16) and monday.resets_at == utc("2025-06-22 17:00")
    assert used(monday) == [("budi", 50000)]
    monday_afternoon = (await usage_of(db, local("2025-06-16 15:00")))[quota_id]
    assert monday_afternoon == monday


async def test_a_month_starts_on_the_first(db: asyncpg.Pool, people: dict[str, int]) -> None:
    siti, tik = people["siti"], (await orgs(db))["BIDANG-TIK"]
    quota_id = await add(db, QuotaSpec("employee", "month", "100G", employee="siti"))
    await use(db, "2025-05-31", siti, tik, "", 1)
    await use(db, "2025-06-01", siti, tik, "", 20)
    await use(db, "2025-06-30", siti, tik, "judi", 300)
    await use(db, "2025-07-01", siti, tik, "", 4000)

    june = (await usage_of(db, local("2025-06-30 23:59")))[quota_id]
    assert (june.period_start, june.period_end) == (date(2025, 6, 1), date(2025, 7, 1))
    assert june.resets_at == utc("2025-06-30 17:00")
    assert used(june) == [("siti", 320)]
    july = (await usage_of(db, local("2025-07-01 00:00")))[quota_id]
    assert (july.period_start, july.resets_at) == (date(2025, 7, 1), utc("2025-07-31 17:00"))
    assert used(july) == [("siti", 4000)]
    december = (await usage_of(db, local("2025-12-31 12:00")))[quota_id]
    assert (december.period_end, december.resets_at) == (date(2026, 1, 1), utc("2025-12-31 17:00"))


async def test_a_day_is_the_local_day(db: asyncpg.Pool, people: dict[str, int]) -> None:
    budi, diskominfo = people["budi"], (await orgs(db))["DISKOMINFO"]
    quota_id = await add(db, QuotaSpec("employee", "day", "1G", employee="budi"))
    await use(db, "2025-06-15", budi, diskominfo, "", 1)
    await use(db, "2025-06-16", budi, diskominfo, "", 20)
    # 18:00 UTC on the 15th is 01:00 on the 16th in Jakarta.
    early = (await usage_of(db, utc("2025-06-15 18:00")))[quota_id]
    assert (early.period_start, early.resets_at) == (date(2025, 6, 16), utc("2025-06-16 17:00"))
    assert used(early) == [("budi", 20)]
    assert used((await usage_of(db, utc("2025-06-15 16:59")))[quota_id]) == [("budi", 1)]


async def test_an_employee_quota_counts_every_category_and_every_opd_they_were_in(
    db: asyncpg.Pool, people: dict[str, int]
) -> None:
    budi, ids = people["budi"], await orgs(db)
    quota_id = await add(db, QuotaSpec("employee", "day", "1G", employee="budi"))
    idle = await add(db, QuotaSpec("employee", "day", "1G", employee="ani"))
    await use(db, "2025-06-16", budi, ids["DISKOMINFO"], "", 100, 900)
    await use(db, "2025-06-16", budi, ids["DISKOMINFO"], "streaming", 1000)
    await use(db, "2025-06-16", budi, ids["DISDIK"], "", 5)  # before he moved, the same day
    await use(db, "2025-06-16", people["siti"], ids["BIDANG-TIK"], "", 77)  # someone else
    found = await usage_of(db, local("2025-06-16 12:00"))
    assert used(found[quota_id]) == [("budi", 2005)]
    [budi_use] = found[quota_id].uses
    assert (budi_use.employee_name, budi_use.limit_bytes, budi_use.percent, budi_use.level) == (
        "Uji budi", GB, 0, "ok"
    )  # fmt: skip
    assert used(found[idle]) == [("ani", 0)]  # listed with nothing used


async def test_an_opd_quota_sums_its_sub_units_by_the_opd_at_the_time_of_use(
    db: asyncpg.Pool, people: dict[str, int]
) -> None:
    ids = await orgs(db)
    kota = await add(db, QuotaSpec("org", "day", "1G", org="KOTA"))
    diskominfo = await add(db, QuotaSpec("org", "day", "1G", org="DISKOMINFO"))
    tik = await add(db, QuotaSpec("org", "day", "1G", org="BIDANG-TIK"))
    disdik = await add(db, QuotaSpec("org", "day", "1G", org="DISDIK"))
    await use(db, "2025-06-16", people["budi"], ids["DISKOMINFO"], "", 1)
    await use(db, "2025-06-16", people["budi"], ids["DISKOMINFO"], "streaming", 20)
    await use(db, "2025-06-16", people["siti"], ids["BIDANG-TIK"], "", 300)
    await use(db, "2025-06-16", people["budi"], ids["DISDIK"], "", 4000)  # budi, when he was in DISDIK
    await use(db, "2025-06-16", people["tamu"], 0, "", 50000)  # no OPD
    await use(db, "2025-06-15", people["siti"], ids["BIDANG-TIK"], "", 600000)  # yesterday
    found = await usage_of(db, local("2025-06-16 08:00"))
    assert used(found[kota]) == [("KOTA", 321)]
    assert used(found[diskominfo]) == [("DISKOMINFO", 321)]
    assert used(found[tik]) == [("BIDANG-TIK", 300)]
    assert used(found[disdik]) == [("DISDIK", 4000)]
    assert found[kota].uses[0].org_name == "Pemerintah Kota Semarang"
    assert found[kota].uses[0].employee is None


async def test_a_category_quota_counts_per_employee(db: asyncpg.Pool, people: dict[str, int]) -> None:
    ids = await orgs(db)
    everyone = await add(db, QuotaSpec("category", "day", "1000", category="streaming"))
    in_kota = await add(db, QuotaSpec("category", "day", "1000", category="streaming", org="KOTA"))
    in_disdik = await add(db, QuotaSpec("category", "day", "1000", category="streaming", org="DISDIK"))
    for_ani = await add(db, QuotaSpec("category", "day", "1000", category="streaming", employee="ani"))
    for_tamu = await add(db, QuotaSpec("category", "day", "1000", category="streaming", employee="tamu"))
    await use(db, "2025-06-16", people["budi"], ids["DISKOMINFO"], "streaming", 300, 500)
    await use(db, "2025-06-16", people["budi"], ids["DISKOMINFO"], "", 99999)  # another category
    await use(db, "2025-06-16", people["siti"], ids["BIDANG-TIK"], "streaming", 1200)
    await use(db, "2025-06-16", people["siti"], ids["DISDIK"], "streaming", 10)  # siti, in DISDIK earlier
    await use(db, "2025-06-16", people["ani"], ids["DISDIK"], "streaming", 800)
    await use(db, "2025-06-16", 0, 0, "streaming", 5555)  # nobody signed in
    found = await usage_of(db, local("2025-06-16 20:00"))
    assert used(found[everyone]) == [("siti", 1210), ("ani", 800), ("budi", 800)]
    # Narrowed to an OPD: its employees (and its sub-units') as they are now, with all their bytes in it.
    assert used(found[in_kota]) == [("siti", 1210), ("budi", 800)]
    assert used(found[in_disdik]) == [("ani", 800)]
    assert used(found[for_ani]) == [("ani", 800)]
    assert used(found[for_tamu]) == [("tamu", 0)]
    assert {type(u.used) for q in found.values() for u in q.uses} == {int}  # exact bytes, not Decimal
    siti = found[everyone].uses[0]
    assert (siti.percent, siti.bar, siti.level, siti.remaining) == (121, 100.0, "exceeded", 0)
    ani = found[everyone].uses[1]
    assert (ani.percent, ani.bar, ani.level, ani.remaining) == (80, 80.0, "notice", 200)


async def test_no_quotas_no_use(db: asyncpg.Pool, people: dict[str, int]) -> None:
    assert await quotas.quota_usage(db, local("2025-06-16 20:00"), JAKARTA) == []
    assert await quotas.quota_use_for_employee(db, people["budi"], local("2025-06-16 20:00"), JAKARTA) == []


async def test_an_employee_sees_every_quota_that_applies_to_them(
    db: asyncpg.Pool, people: dict[str, int]
) -> None:
    ids = await orgs(db)
    own = await add(db, QuotaSpec("employee", "week", "10G", employee="siti"))
    await add(db, QuotaSpec("employee", "week", "10G", employee="budi"))
    city = await add(db, QuotaSpec("org", "month", "1000", org="KOTA"))
    await add(db, QuotaSpec("org", "month", "1000", org="DISDIK"))
    video = await add(db, QuotaSpec("category", "day", "1000", category="streaming"))
    social = await add(db, QuotaSpec("category", "day", "1000", category="media-sosial", org="DISKOMINFO"))
    await add(db, QuotaSpec("category", "day", "1000", category="media-sosial", org="DISDIK"))
    games = await add(db, QuotaSpec("category", "day", "1000", category="game-online", employee="siti"))
    await add(db, QuotaSpec("category", "day", "1000", category="game-online", employee="budi"))
    await use(db, "2025-06-16", people["siti"], ids["BIDANG-TIK"], "streaming", 400)
    await use(db, "2025-06-16", people["siti"], ids["BIDANG-TIK"], "media-sosial", 50)
    await use(db, "2025-06-14", people["siti"], ids["BIDANG-TIK"], "", 7)  # last week, this month
    await use(db, "2025-06-16", people["budi"], ids["DISKOMINFO"], "streaming", 600)

    now = local("2025-06-16 20:00")
    mine = await quotas.quota_use_for_employee(db, people["siti"], now, JAKARTA)
    assert [u.quota.id for u in mine] == [own, city, video, social, games]
    assert [(u.uses[0].employee or u.uses[0].org, u.uses[0].used) for u in mine] == [
        ("siti", 450), ("KOTA", 1057), ("siti", 400), ("siti", 50), ("siti", 0)
    ]  # fmt: skip
    assert {type(u.uses[0].used) for u in mine} == {int}
    shared = mine[1].uses[0]
    assert (shared.limit_bytes, shared.percent, shared.level) == (1000, 105, "exceeded")
    assert mine[1].resets_at == utc("2025-06-30 17:00")
    assert mine[0].resets_at == utc("2025-06-22 17:00") and mine[2].resets_at == utc("2025-06-16 17:00")
    # The same numbers as the admins' view of every quota.
    every = await usage_of(db, now)
    assert every[own].uses == mine[0].uses and every[city].uses == mine[1].uses
    # An employee without an OPD has no OPD quota, and a category narrowed to an OPD is not theirs.
    tamu = await quotas.quota_use_for_employee(db, people["tamu"], now, JAKARTA)
    assert [u.quota.id for u in tamu] == [video]
    assert await quotas.quota_use_for_employee(db, 999999, now, JAKARTA) == []


async def test_employee_ids_by_username(db: asyncpg.Pool, people: dict[str, int]) -> None:
    assert await quotas.employee_id_of(db, " Siti ") == people["siti"]
    for unknown in ("nobody", "si\x00ti", "x" * 500):
        with pytest.raises(QuotaError) as refused:
            await quotas.employee_id_of(db, unknown)
        assert refused.value.key == "quota_unknown_employee"


async def test_a_loop_in_the_opd_hierarchy_does_not_hang_the_use(
    db: asyncpg.Pool, people: dict[str, int]
) -> None:
    ids = await orgs(db)
    await db.execute("UPDATE org_units SET parent_id = $1 WHERE code = 'KOTA'", ids["BIDANG-TIK"])
    quota_id = await add(db, QuotaSpec("org", "day", "1G", org="KOTA"))
    await use(db, "2025-06-16", people["budi"], ids["DISKOMINFO"], "", 5)
    found = await asyncio.wait_for(usage_of(db, local("2025-06-16 08:00")), 10)
    assert used(found[quota_id]) == [("KOTA", 5)]


async def test_form_choices_offer_categories_and_opds(db: asyncpg.Pool, people: dict[str, int]) -> None:
    choices = await quotas.form_choices(db)
    assert [o["value"] for o in choices["org"]] == ["BIDANG-TIK", "DISDIK", "DISKOMINFO", "KOTA"]
    streaming = next(c for c in choices["category"] if c["value"] == "streaming")
    assert streaming == {"value": "streaming", "name_id": "Streaming video", "name_en": "Video streaming"}
