"""Usage reports in the portal: the page with its charts, CSV, PDF and JSON exports, the archive; a reader
limited to an OPD cannot read another OPD's or its employees' reports by any of them; a named employee's
report leaves an audit row; hostile host names are escaped on the page and neutralised in the CSV."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from accounting.reports import today
from accounting.scheduled_reports import generate
from accounting.usage_report import report_period
from admin.access import set_scope
from admin.directory import add_employee, add_org
from admin.report_exports import safe_cell
from smedi.settings import Settings
from tests.admin.conftest import PASSWORD, NewClient, csrf_token, signed_in_client
from tests.usage_fixtures import write_usage

HOSTILE = "<script>alert(1)</script>.test"
FORMULA = '=HYPERLINK("http://evil.test","x").test'
VIEWED = "employee_report_viewed"


@dataclass(frozen=True)
class World:
    day: date
    ids: dict[str, int]


@pytest.fixture
async def world(db: asyncpg.Pool, users: dict[str, int], settings: Settings) -> World:
    """DISKOMINFO (pegawai) and DINKES with PUSKESMAS-1 below it (dokter); HR for the city (hr) and HR
    of DINKES (hana); today's usage of pegawai and dokter, with hostile host names."""
    await add_org(db, "DINKES", "Dinas Kesehatan")
    await add_org(db, "PUSKESMAS-1", "Puskesmas Satu", parent="DINKES")
    ids = dict(users)
    ids["dokter"] = await add_employee(db, "dokter", PASSWORD, org="PUSKESMAS-1", full_name="Dr. Sehat")
    ids["hana"] = await add_employee(db, "hana", PASSWORD, org="DINKES", roles=("hr", "employee"))
    async with db.acquire() as conn:
        await set_scope(conn, "hana", "DINKES", "cli:test")
    org = {
        code: await db.fetchval("SELECT id FROM org_units WHERE code = $1", code)
        for code in ("DISKOMINFO", "PUSKESMAS-1")
    }
    day = today(settings.tz)
    await write_usage(
        db,
        [
            (day, ids["pegawai"], org["DISKOMINFO"], HOSTILE, "", 2, 1, 100, 5000),
            (day, ids["pegawai"], org["DISKOMINFO"], FORMULA, "", 1, 0, 10, 700),
            (day, ids["dokter"], org["PUSKESMAS-1"], "rs.test", "kesehatan", 3, 0, 30, 3000),
        ],
        settings.tz,
    )
    return World(day, ids)


def query(**params: str) -> str:
    return urlencode(params)


async def audit_rows(db: asyncpg.Pool) -> list[asyncpg.Record]:
    return await db.fetch(
        "SELECT actor, target, details FROM audit_log WHERE action = $1 ORDER BY id", VIEWED
    )


async def test_the_city_report_page_has_its_charts_and_escapes_hosts(
    world: World, new_client: NewClient, db: asyncpg.Pool
) -> None:
    client = await signed_in_client(new_client, "admin")
    response = await client.get(f"/laporan/lihat?{query(subjek='city', periode='month')}")
    assert response.status == 200, await response.text()
    html = await response.text()
    for element in ('id="report-title"', 'id="report-trend"', 'class="report-chart"', 'id="report-office"',
                    'id="report-categories"', 'id="report-hosts"', 'id="report-hierarchy"', 'id="export-csv"',
                    'id="export-pdf"', 'id="active-definition"'):  # fmt: skip
        assert element in html, element
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;.test" in html
    assert 'id="total-requests">6<' in html
    assert "PUSKESMAS-1" in html and "DINKES" in html
    assert "<script" not in html  # no script at all on the page (CSP: scripts only from files)
    assert await audit_rows(db) == []  # the city names nobody


async def test_a_named_employees_report_is_audited_by_every_way_of_reading_it(
    world: World, new_client: NewClient, db: asyncpg.Pool
) -> None:
    client = await signed_in_client(new_client, "hr")
    params = query(subjek="employee", pegawai="dokter", periode="day", tanggal=world.day.isoformat())
    for path in ("/laporan/lihat", "/laporan/unduh.csv", "/laporan/unduh.pdf", "/api/v1/reports/usage"):
        response = await client.get(f"{path}?{params}")
        assert response.status == 200, f"{path}: {await response.text()}"
    rows = await audit_rows(db)
    assert [(r["actor"], r["target"]) for r in rows] == [("hr", "dokter")] * 4
    assert [json.loads(r["details"])["format"] for r in rows] == ["html", "csv", "pdf", "json"]
    api = await (await client.get(f"/api/v1/reports/usage?{params}")).json()
    assert api["subject"]["key"] == "dokter" and api["totals"]["bytes_down"] == 3000
    assert api["hosts"][0]["host"] == "rs.test"


async def test_hr_of_one_opd_cannot_read_another_by_page_export_or_api(
    world: World, new_client: NewClient, db: asyncpg.Pool
) -> None:
    client = await signed_in_client(new_client, "hana")
    own = [
        query(subjek="org", opd="DINKES", periode="week"),
        query(subjek="org", opd="PUSKESMAS-1", periode="week"),
        query(subjek="employee", pegawai="dokter", periode="week"),
        "",  # nothing asked: their own OPD
    ]
    others = [
        query(subjek="org", opd="DISKOMINFO", periode="week"),
        query(subjek="employee", pegawai="pegawai", periode="week"),
        query(subjek="city", periode="week"),
    ]
    for path in ("/laporan/lihat", "/laporan/unduh.csv", "/laporan/unduh.pdf", "/api/v1/reports/usage"):
        for params in own:
            response = await client.get(f"{path}?{params}")
            assert response.status == 200, f"{path}?{params}: {response.status}"
        for params in others:
            response = await client.get(f"{path}?{params}")
            assert response.status == 403, f"{path}?{params}: {response.status}"
            if path.startswith("/api/"):
                body = await response.json()
                assert body["error"]["code"] == "forbidden" and set(body["error"]) == {
                    "code",
                    "message",
                    "details",
                }
    default = await (await client.get("/api/v1/reports/usage")).json()
    assert default["subject"]["key"] == "DINKES" and default["totals"]["bytes_down"] == 3000
    assert [r["target"] for r in await audit_rows(db)] == ["dokter"] * 4  # refusals read nothing


async def test_the_csv_parses_and_neutralises_formulas(world: World, new_client: NewClient) -> None:
    client = await signed_in_client(new_client, "admin")
    response = await client.get(f"/laporan/unduh.csv?{query(subjek='org', opd='DISKOMINFO', periode='day')}")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "Laporan penggunaan internet"
    hosts = {row[1]: row for row in rows if row and row[0] == "host"}
    assert "'" + FORMULA in hosts and HOSTILE in hosts
    assert hosts[HOSTILE][7] == "5100"  # bytes up + down
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    assert safe_cell("-1+2") == "'-1+2" and safe_cell(-3) == -3


async def test_the_pdf_is_a_pdf_in_the_readers_language(world: World, new_client: NewClient) -> None:
    client = await signed_in_client(new_client, "admin")
    params = query(subjek="org", opd="DINKES", periode="month")
    indonesian = await client.get(f"/laporan/unduh.pdf?{params}")
    assert indonesian.status == 200 and indonesian.headers["Content-Type"] == "application/pdf"
    body = await indonesian.read()
    assert body.startswith(b"%PDF") and b"%%EOF" in body[-10:]
    assert b"Laporan penggunaan internet: OPD DINKES Dinas Kesehatan" in body

    token = await csrf_token(client, "/laporan")
    await client.post("/bahasa", data={"csrf_token": token, "lang": "en", "next": "/laporan"})
    english = await (await client.get(f"/laporan/unduh.pdf?{params}")).read()
    assert english.startswith(b"%PDF") and b"Internet usage report: OPD DINKES Dinas Kesehatan" in english


async def test_bad_requests_are_explained(world: World, new_client: NewClient) -> None:
    client = await signed_in_client(new_client, "admin")
    for params, reason in (
        (query(subjek="employee", pegawai="tidak-ada"), "unknown employee"),
        (query(subjek="org", opd="TIDAK-ADA"), "unknown OPD"),
        (query(subjek="planet"), "subjek"),
        (query(periode="year"), "unknown period"),
        (query(tanggal="kemarin"), "tanggal"),
        (query(periode="range", tanggal="2026-12-10", sampai="2026-12-01"), "on or after"),
    ):
        response = await client.get(f"/api/v1/reports/usage?{params}")
        assert response.status == 400, params
        assert reason in (await response.json())["error"]["message"], params


async def test_the_archive_lists_scheduled_reports_within_scope(
    world: World, new_client: NewClient, db: asyncpg.Pool, settings: Settings
) -> None:
    period = report_period("day", world.day)
    made = await generate(db, period, settings.tz, settings.office_hours)
    assert [(g.subject.kind, g.subject.key, g.created) for g in made] == [
        ("city", "", True), ("org", "DINKES", True), ("org", "DISKOMINFO", True),
    ]  # fmt: skip
    ids = {r["org_unit_id"]: r["id"] for r in await db.fetch("SELECT id, org_unit_id FROM generated_reports")}
    dinkes = await db.fetchval("SELECT id FROM org_units WHERE code = 'DINKES'")

    admin = await signed_in_client(new_client, "admin")
    page = await (await admin.get("/laporan/arsip")).text()
    assert all(f'id="archive-{i}"' in page for i in ids.values())
    stored = await admin.get(f"/laporan/arsip/lihat?id={ids[None]}")
    assert stored.status == 200 and "&lt;script&gt;" in await stored.text()
    pdf = await admin.get(f"/laporan/arsip/unduh?id={ids[None]}&format=pdf")
    assert (await pdf.read()).startswith(b"%PDF")
    csv_file = await admin.get(f"/laporan/arsip/unduh?id={ids[dinkes]}&format=csv")
    assert "rs.test" in (await csv_file.read()).decode("utf-8-sig")

    hana = await signed_in_client(new_client, "hana")
    listed = await (await hana.get("/laporan/arsip")).text()
    assert f'id="archive-{ids[dinkes]}"' in listed
    assert f'id="archive-{ids[None]}"' not in listed
    for other in (ids[None], *(i for org, i in ids.items() if org not in (None, dinkes))):
        assert (await hana.get(f"/laporan/arsip/lihat?id={other}")).status == 403
        assert (await hana.get(f"/laporan/arsip/unduh?id={other}&format=csv")).status == 403
    assert (await hana.get("/laporan/arsip/unduh?id=999999&format=csv")).status == 404
    assert (await hana.get(f"/laporan/arsip/unduh?id={ids[dinkes]}&format=exe")).status == 400


async def test_the_choice_page(world: World, new_client: NewClient) -> None:
    hr: TestClient = await signed_in_client(new_client, "hr")
    page = await (await hr.get("/laporan")).text()
    assert 'id="report-form"' in page and 'id="subject-city"' in page and 'id="report-archive-link"' in page
    hana = await signed_in_client(new_client, "hana")
    limited = await (await hana.get("/laporan")).text()
    assert 'id="subject-city"' not in limited
    pegawai = await signed_in_client(new_client, "pegawai")
    assert (await pegawai.get("/laporan")).status == 403
