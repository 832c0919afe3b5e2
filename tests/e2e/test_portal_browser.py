"""The portal's key pages in a real browser: Debian's chromium, driven by Playwright, on the real portal."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from playwright import sync_api

from accounting.reports import local_day_bounds, today
from admin.app import create_app
from admin.directory import add_employee, add_org
from admin.security import SESSION_COOKIE
from smedi.db import create_pool
from smedi.settings import Settings

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (bin/ensure-chromium); never a downloaded browser
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # tests run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-background-networking",  # traffic goes only to the portal on loopback
    "--disable-component-update",
    "--disable-sync",
]
ADMIN, ADMIN_PASSWORD = "admin-uji", "admin-rahasia-1"
EMPLOYEE, EMPLOYEE_NAME = "budi", "Budi Santoso"
TIMEOUT_MS = 15_000


async def seed(database_url: str, settings: Settings) -> None:
    """An admin to sign in as, and an employee with usage in the current hour."""
    pool = await create_pool(database_url)
    try:
        await add_org(pool, "DISKOMINFO", "Dinas Komunikasi dan Informatika")
        await add_employee(pool, ADMIN, ADMIN_PASSWORD, org="DISKOMINFO", full_name="Admin", roles=("admin",))
        budi = await add_employee(pool, EMPLOYEE, "rahasia-budi-1", org="DISKOMINFO", full_name=EMPLOYEE_NAME)
        day_start, _ = local_day_bounds(today(settings.tz), settings.tz)
        hour = max(datetime.now(UTC).replace(minute=0, second=0, microsecond=0), day_start)
        await pool.execute(
            "INSERT INTO usage_hourly (hour, employee_id, host, requests, blocked, bytes_up, bytes_down)"
            " VALUES ($1, $2, 'news.test', 12, 1, 2048, 1048576)",
            hour,
            budi,
        )
    finally:
        await pool.close()


async def count_sessions(database_url: str) -> int:
    pool = await create_pool(database_url)
    try:
        return await pool.fetchval("SELECT count(*) FROM portal_sessions")
    finally:
        await pool.close()


class PortalThread(threading.Thread):
    """create_app on a real TCPSite (a free port on loopback), in its own event loop beside the browser."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(name="portal", daemon=True)
        self.settings = settings
        self.url = ""
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # handed to the test thread, which raises it
            self.error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        runner = web.AppRunner(create_app(self.settings), access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            host, port = runner.addresses[0][:2]
            self.url = f"http://{host}:{port}"
            self._ready.set()
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def start_serving(self) -> str:
        self.start()
        if not self._ready.wait(30) or self.error:
            raise RuntimeError("the portal did not start") from self.error
        return self.url

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self.join(30)
        assert not self.is_alive(), "the portal did not stop"
        if self.error:
            raise self.error


@pytest.fixture
def portal_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    settings = dataclasses.replace(Settings(), database_url=database_url, home=tmp_path / "home")
    asyncio.run(seed(database_url, settings))
    portal = PortalThread(settings)
    url = portal.start_serving()
    try:
        yield url
    finally:
        portal.stop()


def test_admin_signs_in_sees_usage_switches_language_signs_out(portal_url: str, database_url: str) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run bin/ensure-chromium (as root) first")
    expect = sync_api.expect
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            expect.set_options(timeout=TIMEOUT_MS)

            page.goto(f"{portal_url}/masuk")
            expect(page.get_by_role("heading", name="Masuk")).to_be_visible()
            page.get_by_label("Nama pengguna").fill(ADMIN)
            page.get_by_label("Kata sandi").fill(ADMIN_PASSWORD)
            page.get_by_role("button", name="Masuk").click()

            expect(page).to_have_url(f"{portal_url}/penggunaan")
            expect(page.get_by_role("heading", name="Per pegawai")).to_be_visible()
            row = page.locator("tr", has_text=EMPLOYEE_NAME)
            expect(row).to_contain_text(EMPLOYEE)
            expect(row).to_contain_text("DISKOMINFO")
            expect(row.locator("td").nth(2)).to_have_text("12")  # requests
            expect(row.locator("td").nth(5)).to_have_text("1.0 MB")  # bytes down

            page.get_by_role("button", name="English").click()
            expect(page).to_have_url(f"{portal_url}/penggunaan")
            expect(page.locator("html")).to_have_attribute("lang", "en")
            expect(page.get_by_role("heading", name="Per employee")).to_be_visible()
            expect(page.locator("tr", has_text=EMPLOYEE_NAME)).to_be_visible()

            page.get_by_role("button", name="Sign out").click()
            expect(page).to_have_url(f"{portal_url}/masuk")
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            assert SESSION_COOKIE not in {cookie["name"] for cookie in page.context.cookies()}
        finally:
            browser.close()
    assert asyncio.run(count_sessions(database_url)) == 0
