"""`python -m bench.reports`: the whole city's month report as a page, on rollups holding a month of traffic.

Fills the rollups the report reads with a month of traffic for 2,000 employees in 60 OPDs, COPYed straight
into them (usage_daily_totals, usage_activity, usage_daily_hosts): on workdays about 50 hosts per employee
and activity spread over office hours (07:30-16:00 with some early and late slots), a few employees at the
weekend. Then, in interleaved rounds, times GET /laporan/lihat for the whole city and that month on the
real portal (report queries, shaping, the page's HTML with its charts) against a baseline in the same run:
one plain aggregate scan of the largest rollup the report reads (usage_activity) over the same month.
Raw usage_events and usage_hourly stay empty: the city report never reads them.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import itertools
import logging
import random
import re
import shutil
import statistics
import tempfile
import time
import warnings
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from admin.app import create_app
from admin.directory import add_employee, add_org
from bench.services import BenchError, Database, bench_database, log
from smedi.db import connect, migrate
from smedi.logs import configure_logging
from smedi.settings import Settings

EMPLOYEES, TOP_ORGS, SUB_ORGS, HOSTS, HOSTS_PER_DAY = 2_000, 12, 4, 5_000, 50
CATEGORIES = ("", "pemerintahan", "media-sosial", "streaming", "perbankan", "kesehatan", "berbagi-file")
TARGET_SECONDS = 1.0
type Rows = list[tuple[Any, ...]]
SEED = 2026
TZ = ZoneInfo("Asia/Jakarta")
ADMIN, PASSWORD = "bench-admin", "kata-sandi-bench-1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Bench-only SQL (product SQL lives in sql/queries): the baseline, a plain scan of the same month.
BASELINE = """
SELECT count(*), sum(bytes_up + bytes_down), sum(requests) FROM usage_activity WHERE day BETWEEN $1 AND $2
"""
COUNT_ROWS = """
SELECT (SELECT count(*) FROM usage_activity) AS activity, (SELECT count(*) FROM usage_daily_totals) AS totals,
       (SELECT count(*) FROM usage_daily_hosts) AS hosts,
       (SELECT count(*) FROM usage_activity_orgs) AS org_slots
"""


def last_full_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def day_rows(
    day: date, rng: random.Random, org_of: dict[int, int], popularity: list[float], hosts: list[str]
) -> tuple[Rows, Rows, Rows]:
    """One local day's rows of usage_activity, usage_daily_totals and usage_daily_hosts."""
    activity: Rows = []
    totals: Rows = []
    per_host: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    workday = day.isoweekday() <= 5
    for employee, org in org_of.items():
        if not workday and rng.random() > 0.1:
            continue
        first, last = (rng.randint(84, 96), rng.randint(186, 200)) if workday else (rng.randint(100, 200), 0)
        slots = [s for s in range(first, last) if rng.random() < 0.7] if workday else [first, first + 1]
        slots += [s for s in (rng.randint(204, 270) for _ in range(3)) if rng.random() < 0.2]
        for slot in sorted(set(slots)):
            requests = rng.randint(3, 60)
            activity.append((day, employee, slot, org, requests, 0, 0, requests * 900, requests * 40_000))
        visited = rng.choices(hosts, cum_weights=popularity, k=HOSTS_PER_DAY if workday else 5)
        for host in visited:
            counts = per_host[(org, host)]
            counts[0] += rng.randint(1, 40)
            counts[1] += rng.randint(500, 50_000)
            counts[2] += rng.randint(5_000, 3_000_000)
        for category in rng.sample(CATEGORIES, 4):
            requests = rng.randint(10, 800)
            blocked = rng.randint(0, 3)
            totals.append(
                (day, employee, org, category, requests, blocked, requests * 900, requests * 60_000)
            )
    daily_hosts = [(day, org, host, r, 0, up, down) for (org, host), (r, up, down) in per_host.items()]
    return activity, totals, daily_hosts


def org_slots(activity: Rows) -> Rows:
    """usage_activity_orgs from usage_activity's rows, as the writer keeps it."""
    per_org: dict[tuple[object, object, object], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for day, _employee, slot, org, requests, _blocked, _quota, up, down in activity:
        counts = per_org[(day, slot, org)]
        counts[0] += 1
        counts[1] += requests
        counts[2] += up
        counts[3] += down
    return [(*key, active, r, 0, 0, up, down) for key, (active, r, up, down) in per_org.items()]


async def fill(conn: asyncpg.Connection, first: date, last: date, org_ids: list[int]) -> dict[str, int]:
    rng = random.Random(SEED)  # noqa: S311  # bench data, seeded so runs compare
    hosts = [
        f"{rng.choice(('www.', '', 'cdn.'))}situs{i}.{rng.choice(('com', 'go.id', 'co.id'))}"
        for i in range(HOSTS)
    ]
    popularity = list(itertools.accumulate(1 / rank for rank in range(1, HOSTS + 1)))  # Zipf
    org_of = {e: rng.choice(org_ids) for e in range(1, EMPLOYEES + 1)}
    day = first
    while day <= last:
        activity, totals, daily_hosts = day_rows(day, rng, org_of, popularity, hosts)
        await conn.copy_records_to_table(
            "usage_activity",
            records=activity,
            columns=("day", "employee_id", "slot", "org_unit_id", "requests", "blocked", "quota_refused",
                     "bytes_up", "bytes_down"),
        )  # fmt: skip
        await conn.copy_records_to_table(
            "usage_activity_orgs",
            records=org_slots(activity),
            columns=("day", "slot", "org_unit_id", "active", "requests", "blocked", "quota_refused",
                     "bytes_up", "bytes_down"),
        )  # fmt: skip
        await conn.copy_records_to_table(
            "usage_daily_totals",
            records=totals,
            columns=("day", "employee_id", "org_unit_id", "category", "requests", "blocked", "bytes_up",
                     "bytes_down"),
        )  # fmt: skip
        await conn.copy_records_to_table(
            "usage_daily_hosts",
            records=daily_hosts,
            columns=("day", "org_unit_id", "host", "requests", "blocked", "bytes_up", "bytes_down"),
        )
        day += timedelta(days=1)
    await conn.execute("ANALYZE usage_activity; ANALYZE usage_activity_orgs; ANALYZE usage_daily_totals")
    await conn.execute("ANALYZE usage_daily_hosts")
    return dict(await conn.fetchrow(COUNT_ROWS))


async def signed_in(server: TestServer) -> TestClient:
    client = TestClient(server)
    await client.start_server()
    form = await (await client.get("/masuk")).text()
    token = CSRF.search(form)
    if token is None:
        raise BenchError("the sign-in page has no CSRF field")
    data = {"csrf_token": token[1], "username": ADMIN, "password": PASSWORD, "next": "/laporan"}
    response = await client.post("/masuk", data=data, allow_redirects=False)
    if response.status != 303:
        raise BenchError(f"the bench admin could not sign in: {response.status}")
    return client


async def measure(database: Database, rounds: int) -> list[str]:
    conn = await connect(database.url)
    try:
        await migrate(conn)
        top = [await add_org(conn, f"OPD-{t:02d}", f"OPD {t}") for t in range(TOP_ORGS)]
        subs = [
            await add_org(conn, f"OPD-{t:02d}-{s}", f"Sub-unit {s} of OPD {t}", parent=f"OPD-{t:02d}")
            for t in range(TOP_ORGS)
            for s in range(SUB_ORGS)
        ]
        await add_employee(conn, ADMIN, PASSWORD, org="OPD-00", roles=("admin", "employee"))
        first, last = last_full_month(date.today())
        log(f"filling the rollups: {first:%B %Y}, {EMPLOYEES:,} employees, {len(top) + len(subs)} OPDs")
        started = time.perf_counter()
        rows = await fill(conn, first, last, top + subs)
        log(f"filled in {time.perf_counter() - started:.1f} s: {rows}")

        settings = dataclasses.replace(Settings(), database_url=database.url, home=Path(tempfile.mkdtemp()))
        server = TestServer(create_app(settings))
        client = await signed_in(server)
        page_url = f"/laporan/lihat?subjek=city&periode=month&tanggal={first.isoformat()}"
        pages, scans, size = [], [], 0
        try:
            warm = await client.get(page_url)  # the first request pays for connections and the templates
            if warm.status != 200:
                raise BenchError(f"the report page answered {warm.status}: {(await warm.text())[:300]}")
            for _round in range(rounds):
                started = time.perf_counter()
                response = await client.get(page_url)
                html = await response.text()
                pages.append(time.perf_counter() - started)
                size = len(html)
                if response.status != 200 or "report-chart" not in html:
                    raise BenchError(f"the report page answered {response.status} without its charts")
                started = time.perf_counter()
                await conn.fetchrow(BASELINE, first, last)
                scans.append(time.perf_counter() - started)
        finally:
            await client.close()
            shutil.rmtree(settings.home, ignore_errors=True)
    finally:
        await conn.close()
    page, scan = statistics.median(pages), statistics.median(scans)
    met = "met" if page < TARGET_SECONDS else "NOT met"
    return [
        f"usage report: the whole city's month as a page, {rounds} interleaved round(s)",
        f"{database.description}",
        f"store: {first:%B %Y}, {EMPLOYEES:,} employees, {len(top) + len(subs)} OPDs; rollup rows "
        f"usage_activity {rows['activity']:,}, usage_daily_totals {rows['totals']:,}, "
        f"usage_daily_hosts {rows['hosts']:,}, usage_activity_orgs {rows['org_slots']:,}",
        f"report page (GET /laporan/lihat, {size:,} bytes of HTML with charts): median {page:.3f} s "
        f"(min {min(pages):.3f}, max {max(pages):.3f})",
        f"baseline (one plain aggregate scan of usage_activity over the month): median {scan:.3f} s",
        f"page / baseline = {page / scan if scan else 0:.1f}x; "
        f"target: the page in under {TARGET_SECONDS:g} s - {met}",
    ]


async def run_reports_bench(rounds: int = 5) -> list[str]:
    home = Path(tempfile.mkdtemp(prefix="smedi-bench-reports-"))
    try:
        async with bench_database(home) as database:
            return await measure(database, rounds)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run_reports_section(rounds: int) -> list[str]:
    """For `python -m bench`: the section's lines, or why it could not run."""
    try:
        return asyncio.run(run_reports_bench(rounds))
    except BenchError as exc:
        return [f"!! reports benchmark FAILED: {exc}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reports",
        description="The whole city's month report page on rollups holding a month of traffic for 2,000 "
        "employees, against a plain scan of the same rollup in the same run. DATABASE_URL: a fresh database "
        "on that server, dropped afterwards; otherwise an embedded PostgreSQL in a temporary directory.",
    )
    parser.add_argument(
        "--rounds", type=int, default=5, choices=range(1, 21), metavar="1-20", help="default: 5"
    )
    args = parser.parse_args(argv)
    configure_logging(json=False, level=logging.WARNING)
    warnings.filterwarnings("ignore", category=UserWarning, module="platformdirs")
    try:
        print("\n".join(asyncio.run(run_reports_bench(args.rounds))))
    except BenchError as exc:
        print(f"!! reports benchmark FAILED: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
