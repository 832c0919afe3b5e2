"""SAMAWA for citizens in a real browser: catalog → search → dataset page → table page 2 → download.

Debian's chromium driven by Playwright against the real portal (tests/e2e/test_portal_browser.py says how);
screenshots kept as test artifacts like the monitoring pages'.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright import sync_api

from smedi.db import create_pool
from smedi.settings import Settings
from tests.admin.samawa.public_fixtures import POVERTY_ROWS, SUPPRESSION, many_rows, publish
from tests.e2e.test_monitoring_browser import artifacts_dir
from tests.e2e.test_portal_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, PortalThread

pytestmark = pytest.mark.e2e


async def seed(database_url: str) -> None:
    pool = await create_pool(database_url)
    try:
        await publish(pool, "rumah-tangga-miskin", [POVERTY_ROWS[:2], POVERTY_ROWS + many_rows(40)],
                      title="Rumah tangga miskin per kelurahan", topic="Sosial", suppression=SUPPRESSION,
                      description="Jumlah rumah tangga miskin menurut kelurahan dan tahun",
                      metadata={"konsep": "Rumah tangga miskin", "satuan": "rumah tangga"})  # fmt: skip
        await publish(pool, "jumlah-sekolah", [many_rows(3)], title="Jumlah sekolah", topic="Pendidikan",
                      org="DISDIK", org_name="Dinas Pendidikan")  # fmt: skip
        await publish(
            pool, "data-terbatas", [POVERTY_ROWS], title="Data terbatas miskin", classification="terbatas"
        )
    finally:
        await pool.close()


@pytest.fixture
def portal_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    settings = dataclasses.replace(Settings(), database_url=database_url, home=tmp_path / "home")
    asyncio.run(seed(database_url))
    portal = PortalThread(settings)
    url = portal.start_serving()
    try:
        yield url
    finally:
        portal.stop()


def screenshot(page: sync_api.Page, name: str) -> None:
    path = artifacts_dir() / name
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


def test_a_citizen_finds_reads_pages_and_downloads_a_dataset(portal_url: str) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run bin/ensure-chromium (as root) first")
    expect = sync_api.expect
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(accept_downloads=True)
            page.set_default_timeout(TIMEOUT_MS)
            expect.set_options(timeout=TIMEOUT_MS)
            errors: list[str] = []  # CSP refusals and script errors; failed loads are named by their response
            page.on(
                "console",
                lambda m: (
                    errors.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None
                ),
            )
            page.on(
                "response",
                lambda r: (
                    errors.append(f"{r.status} {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico")
                    else None
                ),
            )

            # the catalog, reached from the navigation anyone sees
            page.goto(f"{portal_url}/masuk")
            page.locator("#nav-data").click()
            expect(page).to_have_url(f"{portal_url}/data")
            expect(page.get_by_role("heading", name="Data Terbuka Kota Semarang")).to_be_visible()
            expect(page.locator("#data-count")).to_have_text("2 dataset ditemukan")
            expect(page.get_by_text("Data terbatas miskin")).to_have_count(0)
            screenshot(page, "samawa-catalog.png")

            # search by words
            page.get_by_label("Kata kunci").fill("miskin kelurahan")
            page.get_by_role("button", name="Cari").click()
            expect(page.locator("#data-count")).to_have_text("1 dataset ditemukan")
            expect(page.get_by_role("link", name="Jumlah sekolah")).to_have_count(0)
            page.get_by_role("link", name="Rumah tangga miskin per kelurahan").click()

            # the dataset page: metadata, chart, the table with hidden small cells
            expect(page).to_have_url(f"{portal_url}/data/rumah-tangga-miskin")
            expect(page.locator("#dataset-title")).to_have_text("Rumah tangga miskin per kelurahan")
            expect(page.locator("#dataset-version")).to_have_text("2")
            expect(page.locator("#dataset-metadata")).to_contain_text("rumah tangga")
            expect(page.locator("svg.data-chart")).to_be_visible()
            expect(page.locator("svg.data-chart")).to_contain_text("Miroto")
            expect(page.locator("td.hidden-cell").first).to_have_text("disembunyikan (< 5)")
            expect(page.locator("#page-of")).to_have_text("Halaman 1 dari 2")
            expect(page.locator("#dataset-api")).to_contain_text(
                f"{portal_url}/api/v1/public/datasets/rumah-tangga-miskin"
            )
            screenshot(page, "samawa-dataset.png")

            # the table's second page
            page.locator("#table-pager").get_by_role("link", name="Berikutnya").click()
            expect(page.locator("#page-of")).to_have_text("Halaman 2 dari 2")
            expect(page.locator("table.data-table tbody tr")).to_have_count(44 - 25)
            expect(page.locator("table.data-table tbody tr").first.locator("td").first).to_have_text("26")
            screenshot(page, "samawa-dataset-page-2.png")

            # the CSV download of the current version, small cells empty
            with page.expect_download() as info:
                page.locator("#download-csv").click()
            assert info.value.failure() is None
            assert info.value.suggested_filename == "rumah-tangga-miskin-v2.csv"
            rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
            assert len(rows) == 44 and [r["jumlah"] for r in rows[:4]] == ["120", "", "45", ""]

            # English as a choice
            page.get_by_role("button", name="English").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
            expect(page.locator("#page-of")).to_have_text("Page 2 of 2")  # back on the page it was on
            page.locator("#table-pager").get_by_role("link", name="Previous").click()
            expect(page.locator("td.hidden-cell").first).to_have_text("hidden (< 5)")
            assert errors == [], errors  # nothing refused by the CSP, no script errors
        finally:
            browser.close()
