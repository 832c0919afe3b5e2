"""Today's usage per OPD and per employee, as a page and as JSON, from rows in usage_hourly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from accounting.reports import local_day_bounds, today
from admin.directory import add_employee, add_org
from smedi.settings import Settings
from tests.admin.conftest import ORG, PASSWORD, sign_in

HOSTILE = "<script>alert(1)</script>"
NO_USAGE_ID = "Belum ada penggunaan tercatat pada hari ini."


class Tables(HTMLParser):
    """Every table of a page as rows of cells; a cell is its text, or its data-bytes value when it has one."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag == "td":
            exact = dict(attrs).get("data-bytes")
            if exact is None:
                self._cell = []
            else:
                self.tables[-1][-1].append(exact)  # the exact count, not the rounded "2.9 MB"

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def body_rows(html: str) -> tuple[list[list[str]], list[list[str]]]:
    """(per-OPD rows, per-employee rows) without the header rows; the share column dropped."""
    per_org, per_employee = Tables(html).tables
    return [r[:-1] for r in per_org if r], [r[:-1] for r in per_employee if r]


def this_hour(settings: Settings) -> datetime:
    """The start of the current hour, or of today if today began later than that (zones off by half hours)."""
    day_start, _ = local_day_bounds(today(settings.tz), settings.tz)
    return max(datetime.now(UTC).replace(minute=0, second=0, microsecond=0), day_start)


async def add_usage(
    db: asyncpg.Pool, hour: datetime, rows: list[tuple[int, str, int, int, int, int]]
) -> None:
    await db.executemany(
        "INSERT INTO usage_hourly (hour, employee_id, host, category, requests, blocked, bytes_up,"
        " bytes_down) VALUES ($1, $2, $3, '', $4, $5, $6, $7)",
        [(hour, *row) for row in rows],
    )


@pytest.fixture
async def usage_today(db: asyncpg.Pool, users: dict[str, int], settings: Settings) -> dict[str, int]:
    """Usage in the current hour for three employees in two OPDs, plus rows that must not count."""
    await add_org(db, "DINKES", "Dinas Kesehatan")
    ids = {**users, "dokter": await add_employee(db, "dokter", PASSWORD, org="DINKES", full_name="Dr. Sehat")}
    hour = this_hour(settings)
    await add_usage(
        db,
        hour,
        [
            (ids["pegawai"], "news.test", 10, 2, 1_000, 50_000),
            (ids["pegawai"], "video.test", 5, 1, 2_000, 3_000_000),
            (ids["hr"], "mail.test", 3, 0, 500, 7_000),
            (ids["dokter"], "sehat.test", 7, 0, 300, 4_000),
            (0, "before-sign-in.test", 1, 1, 100, 100),  # nobody signed in: not an employee's usage
        ],
    )
    yesterday = local_day_bounds(today(settings.tz), settings.tz)[0] - timedelta(hours=1)
    await add_usage(db, yesterday, [(ids["pegawai"], "yesterday.test", 99, 9, 9_999, 9_999)])
    return ids


async def admin_client(client: TestClient) -> TestClient:
    await sign_in(client, "admin")
    return client


async def test_the_page_shows_each_employee_with_exact_numbers(
    client: TestClient, usage_today: dict[str, int]
) -> None:
    await admin_client(client)
    response = await client.get("/penggunaan")
    assert response.status == 200
    _per_org, per_employee = body_rows(await response.text())

    assert per_employee == [  # most bytes first
        ["pegawai Uji pegawai", ORG, "15", "3", "3000", "3050000"],
        ["hr Uji hr", ORG, "3", "0", "500", "7000"],
        ["dokter Dr. Sehat", "DINKES", "7", "0", "300", "4000"],
    ]


async def test_per_opd_totals_add_up_to_their_employees(
    client: TestClient, usage_today: dict[str, int]
) -> None:
    await admin_client(client)
    per_org, per_employee = body_rows(await (await client.get("/penggunaan")).text())

    assert per_org == [
        [f"{ORG} Dinas Komunikasi, Informatika, Statistik dan Persandian", "2", "18", "3", "3500", "3057000"],
        ["DINKES Dinas Kesehatan", "1", "7", "0", "300", "4000"],
    ]
    for column in range(2, 6):  # requests, blocked, bytes up, bytes down
        assert sum(int(r[column]) for r in per_org) == sum(int(r[column]) for r in per_employee)


async def test_the_api_gives_the_same_numbers(
    client: TestClient, usage_today: dict[str, int], settings: Settings
) -> None:
    await admin_client(client)
    response = await client.get("/api/v1/usage/today")
    assert response.status == 200
    assert await response.json() == {
        "date": today(settings.tz).isoformat(),
        "timezone": "Asia/Jakarta",
        "orgs": [
            {
                "org_code": ORG,
                "org_name": "Dinas Komunikasi, Informatika, Statistik dan Persandian",
                "employees": 2,
                "requests": 18,
                "blocked": 3,
                "bytes_up": 3500,
                "bytes_down": 3057000,
            },
            {
                "org_code": "DINKES",
                "org_name": "Dinas Kesehatan",
                "employees": 1,
                "requests": 7,
                "blocked": 0,
                "bytes_up": 300,
                "bytes_down": 4000,
            },
        ],
        "employees": [
            {
                "username": "pegawai",
                "full_name": "Uji pegawai",
                "org_code": ORG,
                "org_name": "Dinas Komunikasi, Informatika, Statistik dan Persandian",
                "requests": 15,
                "blocked": 3,
                "bytes_up": 3000,
                "bytes_down": 3050000,
            },
            {
                "username": "hr",
                "full_name": "Uji hr",
                "org_code": ORG,
                "org_name": "Dinas Komunikasi, Informatika, Statistik dan Persandian",
                "requests": 3,
                "blocked": 0,
                "bytes_up": 500,
                "bytes_down": 7000,
            },
            {
                "username": "dokter",
                "full_name": "Dr. Sehat",
                "org_code": "DINKES",
                "org_name": "Dinas Kesehatan",
                "requests": 7,
                "blocked": 0,
                "bytes_up": 300,
                "bytes_down": 4000,
            },
        ],
    }


async def test_another_day_is_shown_on_request(
    client: TestClient, usage_today: dict[str, int], settings: Settings
) -> None:
    await admin_client(client)
    yesterday = (today(settings.tz) - timedelta(days=1)).isoformat()
    html = await (await client.get("/penggunaan", params={"tanggal": yesterday})).text()
    _per_org, per_employee = body_rows(html)
    assert per_employee == [["pegawai Uji pegawai", ORG, "99", "9", "9999", "9999"]]


async def test_a_day_without_usage_says_so(client: TestClient, usage_today: dict[str, int]) -> None:
    await admin_client(client)
    response = await client.get("/penggunaan", params={"tanggal": "2020-01-01"})
    assert response.status == 200
    html = await response.text()
    assert NO_USAGE_ID in html
    assert "2020-01-01" in html
    assert "<table" not in html


@pytest.mark.parametrize("bad", ["bad", "2020-13-01", "2020-02-30", "0001-01-01", "9999-12-31", "x" * 500])
async def test_a_bad_date_is_a_400(client: TestClient, usage_today: dict[str, int], bad: str) -> None:
    await admin_client(client)
    page = await client.get("/penggunaan", params={"tanggal": bad})
    assert page.status == 400
    assert "tanggal" in await page.text()
    api = await client.get("/api/v1/usage/today", params={"tanggal": bad})
    assert api.status == 400
    assert (await api.json())["error"]["code"] == "bad_request"


async def test_names_from_the_directory_are_escaped(
    client: TestClient, db: asyncpg.Pool, settings: Settings
) -> None:
    await add_org(db, "XSS", HOSTILE)
    hostile = await add_employee(db, "penyusup", PASSWORD, org="XSS", full_name=HOSTILE, roles=("admin",))
    await add_usage(db, this_hour(settings), [(hostile, f"{HOSTILE}.test", 1, 0, 10, 10)])
    await sign_in(client, "penyusup")  # the header shows the signed-in user's name too

    html = await (await client.get("/penggunaan")).text()

    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;") >= 3  # OPD name, employee name, the header's "who"
    login = await client.get("/masuk", params={"next": '/"><script>alert(1)</script>'})
    assert "<script>alert(1)" not in await login.text()
