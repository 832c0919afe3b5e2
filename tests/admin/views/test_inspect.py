"""The inspector's detail: only the role inspector, within their scope, only with a case reference; every
view (page, CSV, JSON) leaves exactly one audit row; hostile host names escaped and safe in CSV."""

from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from accounting.reports import today
from admin.access import set_scope
from admin.directory import add_employee, add_org
from admin.inspection import safe_cell
from smedi.settings import Settings
from tests.admin.conftest import PASSWORD, NewClient, signed_in_client
from tests.usage_fixtures import write_usage

HOSTILE = "<script>alert(1)</script>.test"
FORMULA = '=HYPERLINK("http://evil.test","x").test'
REFERENCE = "ITJ-2026-041"
VIEWED = "personal_detail_viewed"
DETAIL_PATHS = ["/pemeriksaan/rincian", "/pemeriksaan/rincian.csv", "/api/v1/inspect/detail"]


@dataclass(frozen=True)
class World:
    day: date
    ids: dict[str, int]
    orgs: dict[str, int]


@pytest.fixture
async def world(db: asyncpg.Pool, users: dict[str, int], settings: Settings) -> World:
    """DISKOMINFO (pegawai), DINKES with PUSKESMAS-1 below it (dokter); a city inspector (ina) and an
    inspector of DINKES (indah); usage of pegawai and dokter with hostile host names today."""
    orgs = {"DISKOMINFO": await db.fetchval("SELECT id FROM org_units WHERE code = 'DISKOMINFO'")}
    orgs["DINKES"] = await add_org(db, "DINKES", "Dinas Kesehatan")
    orgs["PUSKESMAS-1"] = await add_org(db, "PUSKESMAS-1", "Puskesmas Satu", parent="DINKES")
    ids = dict(users)
    ids["dokter"] = await add_employee(db, "dokter", PASSWORD, org="PUSKESMAS-1", full_name="Dr. Sehat")
    for name, org in (("ina", "DISKOMINFO"), ("indah", "DINKES")):
        ids[name] = await add_employee(db, name, PASSWORD, org=org, roles=("inspector", "employee"))
    async with db.acquire() as conn:
        await set_scope(conn, "indah", "DINKES", "cli:test")
    day = today(settings.tz)
    await write_usage(db, [
        (day, ids["pegawai"], orgs["DISKOMINFO"], HOSTILE, "", 2, 1, 300, 4_000),
        (day, ids["pegawai"], orgs["DISKOMINFO"], FORMULA, "judi", 1, 1, 10, 20),
        (day, ids["dokter"], orgs["PUSKESMAS-1"], "sehat.test", "kesehatan", 3, 0, 100, 900),
        # before dokter moved to PUSKESMAS-1: recorded under DISKOMINFO, outside indah's scope
        (day - timedelta(days=1), ids["dokter"], orgs["DISKOMINFO"], "lama.test", "", 1, 0, 5, 5),
    ], settings.tz)  # fmt: skip
    return World(day, ids, orgs)


def query(world: World, employee: str, reference: str | None = REFERENCE, **extra: str) -> str:
    params = {"pegawai": employee, "dari": (world.day - timedelta(days=1)).isoformat(),
              "sampai": world.day.isoformat(), **extra}  # fmt: skip
    if reference is not None:
        params["perkara"] = reference
    return urlencode(params)


async def audit_rows(db: asyncpg.Pool, action: str = VIEWED) -> list[dict[str, object]]:
    rows = await db.fetch(
        "SELECT actor, target, details::text AS details FROM audit_log WHERE action = $1 ORDER BY id", action
    )
    return [{"actor": r["actor"], "target": r["target"], **json.loads(r["details"])} for r in rows]


async def inspector(new_client: NewClient, name: str = "ina") -> TestClient:
    return await signed_in_client(new_client, name)


async def test_the_page_shows_every_request_escaped_and_leaves_one_audit_row(
    new_client: NewClient, db: asyncpg.Pool, world: World
) -> None:
    client = await inspector(new_client)
    response = await client.get(f"/pemeriksaan/rincian?{query(world, 'pegawai')}")
    page = await response.text()
    assert response.status == 200, page
    assert "<script>alert(1)</script>" not in page  # the host is data, never markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.test" in page
    assert REFERENCE in page and "Uji pegawai" in page
    assert page.count('<tr class="decision-') == 3  # two requests to one host, one to the other
    [row] = await audit_rows(db)
    first = (world.day - timedelta(days=1)).isoformat()
    assert row == {"actor": "ina", "target": "pegawai", "case_reference": REFERENCE, "from": first,
                   "to": world.day.isoformat(), "shown_as": "page", "rows": 3,
                   "truncated": False}  # fmt: skip
    newest = await db.fetchval("SELECT max(id) FROM audit_log")
    assert f"entri {newest}" in page


async def test_csv_and_json_are_each_one_more_audit_row(
    new_client: NewClient, db: asyncpg.Pool, world: World
) -> None:
    client = await inspector(new_client)
    exported = await client.get(f"/pemeriksaan/rincian.csv?{query(world, 'pegawai')}")
    assert exported.status == 200 and exported.content_type == "text/csv"
    assert exported.headers["Content-Disposition"].startswith('attachment; filename="rincian-pegawai-audit-')
    table = list(csv.DictReader(io.StringIO(await exported.text())))
    hosts = sorted({r["host"] for r in table})
    assert hosts == sorted([HOSTILE, "'" + FORMULA])  # a leading = would run as a formula in a spreadsheet
    assert sum(int(r["bytes_down"]) for r in table) == 4_020 and all("+07:00" in r["ts"] for r in table)

    api = await client.get(f"/api/v1/inspect/detail?{query(world, 'pegawai')}")
    body = await api.json()
    assert api.status == 200, body
    assert {r["host"] for r in body["rows"]} == {HOSTILE, FORMULA}  # JSON is data: exact, not rewritten
    assert body["employee"]["username"] == "pegawai" and body["truncated"] is False
    rows = await audit_rows(db)
    assert [(r["shown_as"], r["case_reference"], r["target"]) for r in rows] == [
        ("csv", REFERENCE, "pegawai"), ("json", REFERENCE, "pegawai"),
    ]  # fmt: skip
    assert body["audit_id"] == await db.fetchval("SELECT max(id) FROM audit_log")


@pytest.mark.parametrize("where", DETAIL_PATHS)
@pytest.mark.parametrize("reference", [None, "", "   ", "ab", "x" * 41, "ITJ\x07041"])
async def test_without_a_valid_reference_nothing_is_shown_or_recorded(
    new_client: NewClient, db: asyncpg.Pool, world: World, where: str, reference: str | None
) -> None:
    client = await inspector(new_client)
    response = await client.get(f"{where}?{query(world, 'pegawai', reference)}")
    text = await response.text()
    assert response.status == 400, text
    assert "alert(1)" not in text and "judi" not in text  # nothing of the detail
    if where.startswith("/api/"):
        error = json.loads(text)["error"]
        assert error["code"] == "bad_request" and "case reference" in error["message"]
    elif not (reference or "").strip():
        assert "Nomor perkara wajib diisi" in text
    else:
        assert "Nomor perkara harus 3 sampai 40 karakter" in text
    assert await audit_rows(db) == []


@pytest.mark.parametrize("where", DETAIL_PATHS)
async def test_an_inspector_of_one_opd_is_refused_another_opds_employee(
    new_client: NewClient, db: asyncpg.Pool, world: World, where: str
) -> None:
    client = await inspector(new_client, "indah")
    response = await client.get(f"{where}?{query(world, 'pegawai')}")
    text = await response.text()
    assert response.status == 403, text
    assert "alert(1)" not in text and "HYPERLINK" not in text
    if where.startswith("/api/"):
        assert json.loads(text)["error"]["code"] == "forbidden"
    assert await audit_rows(db) == []
    [refused] = await audit_rows(db, "personal_detail_refused")
    assert refused["actor"] == "indah" and refused["target"] == "pegawai"
    assert refused["case_reference"] == REFERENCE


async def test_a_scoped_inspector_sees_the_opds_below_theirs_but_not_rows_from_before_a_move(
    new_client: NewClient, db: asyncpg.Pool, world: World
) -> None:
    client = await inspector(new_client, "indah")
    body = await (await client.get(f"/api/v1/inspect/detail?{query(world, 'dokter')}")).json()
    assert {r["host"] for r in body["rows"]} == {"sehat.test"}  # lama.test was recorded under DISKOMINFO
    city = await inspector(new_client, "ina")
    everything = await (await city.get(f"/api/v1/inspect/detail?{query(world, 'dokter')}")).json()
    assert {r["host"] for r in everything["rows"]} == {"sehat.test", "lama.test"}
    assert [r["actor"] for r in await audit_rows(db)] == ["indah", "ina"]


@pytest.mark.parametrize(
    ("extra", "status", "message"),
    [
        ({"pegawai": "tidak-ada"}, 404, "Tidak ada pegawai 'tidak-ada'"),
        ({"pegawai": ""}, 400, "Pegawai mana?"),
        ({"dari": "2026-03-05", "sampai": "2026-03-01"}, 400, "setelah tanggal terakhir"),
        ({"dari": "2026-01-01", "sampai": "2026-06-30"}, 400, "Paling lama 92 hari"),
        ({"dari": "kemarin"}, 400, "dari: harus berupa tanggal YYYY-MM-DD, bukan 'kemarin'"),
    ],
)
async def test_a_bad_ask_is_refused_with_the_reason_and_not_recorded(
    new_client: NewClient, db: asyncpg.Pool, world: World, extra: dict[str, str], status: int, message: str
) -> None:
    client = await inspector(new_client)
    response = await client.get(f"/pemeriksaan/rincian?{query(world, 'pegawai', **extra)}")
    assert response.status == status
    assert message in html.unescape(await response.text())
    assert await audit_rows(db) == []


async def test_the_form_and_the_pages_speak_english_too(new_client: NewClient, world: World) -> None:
    client = await inspector(new_client)
    form = await client.get("/pemeriksaan")
    assert form.status == 200 and 'name="perkara"' in await form.text()
    client.session.cookie_jar.update_cookies({"lang": "en"})
    english = await client.get(f"/pemeriksaan/rincian?{query(world, 'pegawai', None)}")
    assert english.status == 400 and "A case reference is required" in await english.text()
    page = await client.get(f"/pemeriksaan/rincian?{query(world, 'pegawai')}")
    assert "This view is recorded in the audit log as entry" in await page.text()


@pytest.mark.parametrize("name", ["admin", "hr", "pegawai", None])
async def test_only_inspectors_open_the_detail(new_client: NewClient, world: World, name: str | None) -> None:
    client = await signed_in_client(new_client, name)
    for where in ("/pemeriksaan", "/pemeriksaan/rincian", "/api/v1/inspect/detail"):
        response = await client.get(f"{where}?{query(world, 'pegawai')}", allow_redirects=False)
        expected = (401 if where.startswith("/api/") else 303) if name is None else 403
        assert response.status == expected, (name, where)


async def test_an_inspector_walks_the_routes_of_roles_and_access(new_client: NewClient, world: World) -> None:
    """The role matrix's users have no inspector: here is the inspector's row for these routes."""
    client = await inspector(new_client)
    outcomes = {"/pemeriksaan": 200, "/pemeriksaan/rincian": 400, "/pemeriksaan/rincian.csv": 400,
                "/api/v1/inspect/detail": 400, "/audit": 200, "/penggunaan/saya": 200,
                "/penggunaan": 403, "/kuota": 403}  # fmt: skip
    for where, status in outcomes.items():
        response = await client.get(where, allow_redirects=False)
        assert response.status == status, where


def test_a_csv_cell_never_starts_a_formula() -> None:
    for value in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(value) == "'" + value
    assert safe_cell("news.test") == "news.test" and safe_cell(None) == "" and safe_cell(12) == "12"
