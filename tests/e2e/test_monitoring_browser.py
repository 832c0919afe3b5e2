"""Monitoring in a real browser (Debian's chromium, driven by Playwright, on the real portal): the live
dashboard takes usage committed by the real writer while it is open, the usage report shows it, its CSV
and PDF downloads hold it, and a hostile host name stays text on every page."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import ipaddress
import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from playwright import sync_api

from accounting.records import UsageRecord
from accounting.writer import UsageWriter
from admin.directory import add_employee, add_org
from smedi.db import create_pool
from smedi.settings import Settings
from tests.e2e.test_portal_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, PortalThread

pytestmark = pytest.mark.e2e

REPO = Path(__file__).parents[2]
ORG, ORG_NAME = "DISKOMINFO", "Dinas Komunikasi dan Informatika"
ADMIN, ADMIN_PASSWORD = "admin-monev", "admin-rahasia-1"
EMPLOYEES = {"budi": "Budi Santoso", "siti": "Siti Rahayu", "agus": "Agus Wibowo"}
HOSTILE_HOST = "<b>x</b>.test"  # the writer stores a host as given: the pages must show it as text
type Usage = tuple[str, str, str, int]  # employee, host, decision, bytes down
BEFORE: list[Usage] = [
    ("budi", "news.test", "allow", 1_048_576),
    ("budi", "news.test", "allow", 524_288),
    ("siti", HOSTILE_HOST, "allow", 20_480),
    ("agus", "judi.test", "block", 2_400),
]
LIVE_HOST = "live-update.test"
DURING: list[Usage] = [("agus", LIVE_HOST, "allow", 3_145_728), ("siti", LIVE_HOST, "allow", 1_024)]


def artifacts_dir() -> Path:
    """Screenshots are test artifacts: SMEDI_TEST_ARTIFACTS, or var/test-artifacts (git-ignored)."""
    directory = Path(os.environ.get("SMEDI_TEST_ARTIFACTS") or REPO / "var" / "test-artifacts")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


async def seed(database_url: str) -> dict[str, int]:
    """An OPD, an admin of the whole city and three employees; the employees' ids by username."""
    pool = await create_pool(database_url)
    try:
        await add_org(pool, ORG, ORG_NAME)
        await add_employee(pool, ADMIN, ADMIN_PASSWORD, org=ORG, full_name="Admin Monev", roles=("admin",))
        return {
            username: await add_employee(pool, username, f"rahasia-{username}-1", org=ORG, full_name=name)
            for username, name in EMPLOYEES.items()
        }
    finally:
        await pool.close()


def record(employee: int, org: int, host: str, decision: str, down: int) -> UsageRecord:
    return UsageRecord(
        datetime.now(UTC), employee, org, ipaddress.ip_address("198.18.3.4"), host, "https", "GET", 200,
        decision, "", "", 512, down, 0, 0, 4,
    )  # fmt: skip


async def write_usage(database_url: str, settings: Settings, ids: dict[str, int], rows: list[Usage]) -> None:
    """Usage of this moment through the writer the proxy runs: COPY, rollups, then NOTIFY usage_live."""
    pool = await create_pool(database_url)
    try:
        org = await pool.fetchval("SELECT id FROM org_units WHERE code = $1", ORG)
        writer = UsageWriter(pool, settings.tz)
        for username, host, decision, down in rows:
            writer.submit(record(ids[username], org, host, decision, down))
        assert await writer.flush()
    finally:
        await pool.close()


@dataclasses.dataclass
class Portal:
    url: str
    database_url: str
    settings: Settings
    ids: dict[str, int]
    day: date  # the local day the usage was written on

    def write(self, rows: list[Usage]) -> None:
        """From the browser's thread, where Playwright's loop runs: the writer gets a thread of its own."""
        with ThreadPoolExecutor(1, thread_name_prefix="writer") as pool:
            coroutine = write_usage(self.database_url, self.settings, self.ids, rows)
            pool.submit(asyncio.run, coroutine).result()


@pytest.fixture
def portal(database_url: str, tmp_path: Path) -> Iterator[Portal]:
    settings = dataclasses.replace(Settings(), database_url=database_url, home=tmp_path / "home")
    ids = asyncio.run(seed(database_url))
    day = datetime.now(settings.tz).date()
    asyncio.run(write_usage(database_url, settings, ids, BEFORE))  # the dashboard's backfill finds it
    thread = PortalThread(settings)
    url = thread.start_serving()
    try:
        yield Portal(url, database_url, settings, ids, day)
    finally:
        thread.stop()


def screenshot(page: sync_api.Page, name: str) -> Path:
    path = artifacts_dir() / name
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def download(page: sync_api.Page, link: str) -> bytes:
    with page.expect_download() as info:
        page.locator(link).click()
    saved = info.value.path()
    assert info.value.failure() is None
    return Path(saved).read_bytes()


def no_markup_from_traffic(page: sync_api.Page) -> None:
    assert page.locator("b", has_text="x").count() == 0


def test_dashboard_updates_live_and_the_report_exports_what_it_shows(portal: Portal) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run bin/ensure-chromium (as root) first")
    expect = sync_api.expect
    url = portal.url
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)
            expect.set_options(timeout=TIMEOUT_MS)

            page.goto(f"{url}/masuk")
            page.get_by_label("Nama pengguna").fill(ADMIN)
            page.get_by_label("Kata sandi").fill(ADMIN_PASSWORD)
            page.get_by_role("button", name="Masuk").click()
            expect(page).to_have_url(f"{url}/penggunaan")

            # the live dashboard: first what the backfill found (so the portal's LISTEN is on) ...
            page.goto(f"{url}/dasbor")
            expect(page.get_by_role("heading", name="Dasbor langsung")).to_be_visible()
            expect(page.locator("#dashboard-status")).to_have_text("Langsung")
            hosts = page.locator("#top-5-hosts")
            expect(hosts.locator("li .name")).to_have_text(["news.test", HOSTILE_HOST, "judi.test"])
            expect(page.locator("#requests-5")).to_have_text(str(len(BEFORE)))
            expect(page.locator("#blocked-5")).to_have_text("1")
            expect(page.locator("#active-5")).to_have_text("3")
            no_markup_from_traffic(page)

            # ... then usage committed while the page is open reaches it through NOTIFY and the stream
            portal.write(DURING)
            expect(hosts.locator("li .name").first).to_have_text(LIVE_HOST)  # the most bytes: on top
            expect(hosts.locator("li", has_text=LIVE_HOST)).to_contain_text("3.0 MB")
            expect(page.locator("#requests-5")).to_have_text(str(len(BEFORE) + len(DURING)))
            expect(page.locator("#requests-60")).to_have_text(str(len(BEFORE) + len(DURING)))
            expect(page.locator("#top-5-employees li .name").first).to_have_text(EMPLOYEES["agus"])
            expect(hosts.locator("li .name", has_text=HOSTILE_HOST)).to_have_count(1)  # as text
            no_markup_from_traffic(page)
            screenshot(page, "dashboard.png")

            # the usage report of the whole city for this month
            page.goto(f"{url}/laporan")
            expect(page.get_by_role("heading", name="Laporan penggunaan")).to_be_visible()
            page.locator("#subject-city").check()
            page.locator("#report-period").select_option("month")
            page.locator("#report-date").fill(portal.day.isoformat())
            page.locator("#report-show").click()
            expect(page).to_have_url(re.compile(r"/laporan/lihat\?.*subjek=city.*periode=month"))
            title = page.locator("#report-title")
            expect(title).to_contain_text("Laporan penggunaan internet: Seluruh kota")
            expect(title).to_contain_text(portal.day.replace(day=1).isoformat())
            expect(page.locator("#report-period")).to_contain_text("Bulanan")
            expect(page.locator("#total-requests")).to_have_text(str(len(BEFORE) + len(DURING)))
            expect(page.locator("#total-blocked")).to_have_text("1")
            report_hosts = page.locator("#report-hosts td.host")
            expect(report_hosts).to_have_text([LIVE_HOST, "news.test", HOSTILE_HOST, "judi.test"])
            expect(page.locator("#report-hierarchy")).to_contain_text(ORG)
            no_markup_from_traffic(page)
            screenshot(page, "report.png")

            # its exports, downloaded as the browser downloads them
            table = list(csv.reader(io.StringIO(download(page, "#export-csv").decode("utf-8-sig"))))
            host_rows = {row[1]: row for row in table if row and row[0] == "host"}
            assert set(host_rows) == {LIVE_HOST, "news.test", HOSTILE_HOST, "judi.test"}
            header = next(row for row in table if row[:2] == ["section", "name"])
            assert host_rows["news.test"][header.index("requests")] == "2"
            assert host_rows["judi.test"][header.index("blocked")] == "1"
            assert download(page, "#export-pdf").startswith(b"%PDF")
        finally:
            browser.close()
