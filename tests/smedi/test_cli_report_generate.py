"""`smedi report generate` as a person runs it: the real command, a real database; generating twice makes
each report once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import pytest

from accounting.reports import today
from admin.directory import add_employee, add_org
from tests.usage_fixtures import JAKARTA, write_usage

SMEDI = Path(sys.executable).with_name("smedi")


def smedi(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SMEDI), *args], env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def env(database_url: str, smedi_home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SMEDI_HOME": str(smedi_home),
        "SMEDI_TZ": "Asia/Jakarta",
    }


@pytest.fixture
async def city(db: asyncpg.Pool) -> date:
    """Two top-level OPDs and a sub-unit; usage on a day in November 2026."""
    await add_org(db, "DINKES", "Dinas Kesehatan")
    puskesmas = await add_org(db, "PKM-1", "Puskesmas Satu", parent="DINKES")
    await add_org(db, "DISDIK", "Dinas Pendidikan")
    ani = await add_employee(db, "ani", "kata-sandi-1", org="PKM-1")
    day = date(2026, 11, 10)
    await write_usage(db, [(day, ani, puskesmas, "rs.test", "", 2, 0, 20, 2000)])
    return day


async def test_generate_a_day_twice_makes_each_report_once(
    env: dict[str, str], city: date, db: asyncpg.Pool
) -> None:
    first = smedi("report", "generate", "--period", "day", "--date", city.isoformat(), env=env)
    assert first.returncode == 0, first.stderr
    assert "3 report(s) generated, 0 kept before" in first.stdout
    assert "day 2026-11-10: 1/3 city generated" in first.stderr
    assert "day 2026-11-10: 3/3 DISDIK generated" in first.stderr

    again = smedi("report", "generate", "--period", "day", "--date", city.isoformat(), env=env)
    assert again.returncode == 0, again.stderr
    assert "0 report(s) generated, 3 kept before" in again.stdout

    rows = await db.fetch(
        "SELECT g.period, g.first_day, o.code, g.report::text AS report, g.generated_by "
        "FROM generated_reports g LEFT JOIN org_units o ON o.id = g.org_unit_id ORDER BY o.code NULLS FIRST"
    )
    assert [(r["period"], r["first_day"], r["code"], r["generated_by"]) for r in rows] == [
        ("day", city, None, "cli"), ("day", city, "DINKES", "cli"), ("day", city, "DISDIK", "cli"),
    ]  # fmt: skip
    reports = [json.loads(r["report"]) for r in rows]
    assert [r["totals"]["bytes_down"] for r in reports] == [2000, 2000, 0]
    assert [o["code"] for o in reports[1]["orgs"]] == ["DINKES", "PKM-1"]


async def test_generate_the_month_and_week_holding_a_day(
    env: dict[str, str], city: date, db: asyncpg.Pool
) -> None:
    for period in ("week", "month"):
        result = smedi("report", "generate", "--period", period, "--date", city.isoformat(), env=env)
        assert result.returncode == 0, result.stderr
    spans = await db.fetch(
        "SELECT DISTINCT period, first_day, last_day FROM generated_reports ORDER BY period"
    )
    assert [tuple(r) for r in spans] == [
        ("month", date(2026, 11, 1), date(2026, 11, 30)), ("week", date(2026, 11, 9), date(2026, 11, 15)),
    ]  # fmt: skip


async def test_a_period_not_ended_is_refused_and_the_default_is_the_last_ended(
    env: dict[str, str], city: date, db: asyncpg.Pool
) -> None:
    now = today(JAKARTA)
    refused = smedi("report", "generate", "--period", "week", "--date", now.isoformat(), env=env)
    assert refused.returncode != 0 and "has not ended yet" in refused.stderr
    assert await db.fetchval("SELECT count(*) FROM generated_reports") == 0

    default = smedi("report", "generate", env=env)
    assert default.returncode == 0, default.stderr
    days = await db.fetch("SELECT DISTINCT period, first_day FROM generated_reports ORDER BY period")
    periods = {r["period"]: r["first_day"] for r in days}
    assert set(periods) == {"day", "week", "month"}
    assert periods["month"] < now.replace(day=1) and periods["week"] + timedelta(days=7) <= now


def test_generate_has_help() -> None:
    result = subprocess.run(
        [str(SMEDI), "report", "generate", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "--period" in result.stdout and "--date" in result.stdout
